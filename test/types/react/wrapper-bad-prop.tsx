// Must fail: a misspelt prop of the wrapper.
import { ConnectButton } from 'ce-connect/react';

export const button = <ConnectButton elemnt="sfdc" />;
