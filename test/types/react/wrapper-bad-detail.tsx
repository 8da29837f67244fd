// Must fail: a misspelt field of the event's detail, through the wrapper.
import { ConnectButton } from 'ce-connect/react';

export const button = <ConnectButton element="sfdc" onConnected={(e) => e.detail.instanceid} />;
