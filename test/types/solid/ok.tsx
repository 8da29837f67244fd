// Solid TSX with the bare tag: every attribute, `on:` and `on` event handlers, typed. Must type-check.
import 'ce-connect';
import type { CeConnectButton } from 'ce-connect';
import { createSignal } from 'solid-js';

export function Connect(props: { save: (instanceId: string) => void }) {
  // eslint-disable-next-line no-unassigned-vars -- Solid's compiler assigns it, from ref={button}
  let button: CeConnectButton | undefined;
  const [site] = createSignal('acme');
  return (
    <div>
      <ce-connect-button element="sfdc" on:connected={(e) => e.detail.instanceId} />
      <ce-connect-button
        ref={button}
        element="hubspot"
        api-base="/api/ce"
        instance-name="Acme CRM"
        instance-id=""
        site={site()}
        disabled={false}
        disconnectable
        prefetch
        timeout={60000}
        callback-origin="https://app.example.com"
        closed-grace="500"
        class="connect"
        on:connect-start={(e) => e.detail.element}
        on:connected={(e) => props.save(e.detail.instanceId)}
        on:connect-error={(e) => e.detail.code === 'timeout'}
        on:connect-cancel={(e) => e.detail.reason}
        on:disconnected={(e) => e.detail.reason}
        onconnected={(e) => e.detail.name}
        onClick={() => button?.connect()}
      >
        Connect
      </ce-connect-button>
    </div>
  );
}
