/** Longest message content, in Unicode code points, after trimming. */
export const MAX_MESSAGE_LENGTH = 4000;
/** Longest resolution text given on close, in code points, after trimming. */
export const MAX_RESOLUTION_LENGTH = 1000;
/** Longest rating comment, in code points, after trimming. */
export const MAX_RATING_COMMENT_LENGTH = 2000;
/** Longest `clientMessageId` a client may choose (ASCII characters). */
export const MAX_CLIENT_MESSAGE_ID_LENGTH = 64;
/** Longest visitor name, in code points. */
export const MAX_VISITOR_NAME_LENGTH = 120;
/** Longest page URL recorded for a visitor, in characters. */
export const MAX_PAGE_URL_LENGTH = 2048;
/** Lowest and highest CSAT rating score (inclusive). */
export const RATING_SCORE_MIN = 1;
export const RATING_SCORE_MAX = 5;
/** Largest page a `messages(first:)` or `sessions(first:)` request may ask for. */
export const MAX_PAGE_SIZE = 200;
