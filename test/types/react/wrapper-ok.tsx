// ce-connect/react: the @lit/react wrapper, camelCase props and on… event props. Must type-check.
import type { CeConnectButton } from 'ce-connect';
import { ConnectButton } from 'ce-connect/react';
import { useRef } from 'react';

export function Connect({ save }: { save: (instanceId: string) => void }) {
  const ref = useRef<CeConnectButton>(null);
  return (
    <ConnectButton
      ref={ref}
      element="sfdc"
      apiBase="/api/ce"
      instanceName="Acme CRM"
      timeout={60000}
      disconnectable
      prefetch
      className="connect"
      onConnectStart={(e) => e.detail.element}
      onConnected={(e) => save(e.detail.instanceId)}
      onConnectError={(e) => e.detail.code === 'popup-blocked'}
      onConnectCancel={(e) => e.detail.reason}
      onDisconnected={(e) => e.detail.instanceId}
    />
  );
}
