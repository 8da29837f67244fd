// React 19 TSX with the bare tag: every attribute and every event handler, typed. Must type-check.
import 'ce-connect';
import type { CeConnectButton, ConnectErrorEvent } from 'ce-connect';
import { useRef } from 'react';

export function Connect({ save }: { save: (instanceId: string) => void }) {
  const ref = useRef<CeConnectButton>(null);
  return (
    <>
      <ce-connect-button element="sfdc" onconnected={(e) => e.detail.instanceId} />
      <ce-connect-button
        ref={ref}
        element="hubspot"
        api-base="/api/ce"
        instance-name="Acme CRM"
        instance-id=""
        site="acme"
        disabled={false}
        disconnectable
        prefetch
        timeout={60000}
        callback-origin="https://app.example.com"
        closed-grace="500"
        className="connect"
        style={{ margin: 4 }}
        onconnect-start={(e) => e.detail.element}
        onconnected={(e) => save(e.detail.instanceId)}
        onconnect-error={(e: ConnectErrorEvent) => console.warn(e.detail.code, e.detail.message, e.detail.status)}
        onconnect-cancel={(e) => e.detail.reason === 'popup-closed'}
        ondisconnected={(e) => e.detail.reason === 'user'}
        onClick={() => ref.current?.status}
      >
        Connect
      </ce-connect-button>
      <ce-connect-button element="box" ref={(el) => void el?.connect()} />
    </>
  );
}
