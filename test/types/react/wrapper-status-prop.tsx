// Must fail: the read-only `status` is not a prop.
import { ConnectButton } from 'ce-connect/react';

export const button = <ConnectButton element="sfdc" status="connected" />;
