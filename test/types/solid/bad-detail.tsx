// Must fail: a misspelt field of the event's detail.
import 'ce-connect';

export const button = <ce-connect-button element="sfdc" on:connected={(e) => e.detail.instanceid} />;
