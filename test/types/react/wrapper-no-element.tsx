// Must fail: `element` is required.
import { ConnectButton } from 'ce-connect/react';

export const button = <ConnectButton apiBase="/api/ce" />;
