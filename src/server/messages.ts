/** Browser-facing messages that more than one route sends; each names the situation, never a value. */

/** 503: the state store or `authorize` could not answer in time; nothing was accepted. */
export const STORE_UNAVAILABLE = 'The sign-in could not be checked right now. Please try again in a moment.';

/** 403: a flow completed by another owner (the flow is spent, nothing is created). */
export const FOREIGN_FLOW_MESSAGE = 'This sign-in was started by another user; please start again';

/** 500: the host's hook threw or timed out after Cloud Elements created or re-authorised the instance. */
export const NOT_SAVED = 'The account could not be saved; please try again';

/** 400: a flow record names an element the options no longer configure. */
export const ELEMENT_NOT_CONFIGURED = 'This element is not configured';

/** The callback page's `exchange_failed` description: Cloud Elements or the host could not complete the flow. */
export const EXCHANGE_FAILED = 'The account could not be connected. Please try again.';

/** 410: a connect link that was already used (or revoked) when a flow through it completed. */
export const LINK_USED = 'This link has already been used; ask for a new one';
