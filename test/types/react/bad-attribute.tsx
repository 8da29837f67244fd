// Must fail: a misspelt attribute.
import 'ce-connect';

export const button = <ce-connect-button elemnt="sfdc" />;
