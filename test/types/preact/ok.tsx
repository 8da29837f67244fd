// Preact TSX with the bare tag: every attribute and every event handler, typed. Must type-check.
import 'ce-connect';
import type { CeConnectButton } from 'ce-connect';
import { useRef } from 'preact/hooks';

export function Connect({ save }: { save: (instanceId: string) => void }) {
  const ref = useRef<CeConnectButton>(null);
  return (
    <div>
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
        class="connect"
        onconnect-start={(e) => e.detail.element}
        onconnected={(e) => save(e.detail.instanceId)}
        onconnect-error={(e) => e.detail.code === 'timeout'}
        onconnect-cancel={(e) => e.detail.reason}
        ondisconnected={(e) => e.detail.reason}
      >
        Connect
      </ce-connect-button>
    </div>
  );
}
