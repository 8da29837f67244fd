// Must fail: a misspelt field of the event's detail.
import 'ce-connect';

export const button = <ce-connect-button element="sfdc" onconnected={(e) => e.detail.instanceid} />;
