/**
 * The canonical activity vocabulary. Sources may use other names (mapped at ingest), and unknown
 * types are kept as they are; features and rules validate the names they reference against this list
 * (plus whatever the warehouse holds).
 */
export const ACTIVITY_TYPES = [
  'email_open',
  'email_click',
  'page_view',
  'pricing_page_view',
  'newsletter_signup',
  'blog_subscribe',
  'content_download', // ebook / whitepaper
  'document_download', // plain document, datasheet
  'webinar_registration',
  'webinar_attended',
  'event_attended',
  'form_submission',
  'demo_request',
  'trial_request',
  'contact_sales',
  'unsubscribe',
  'email_bounce',
] as const;

export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** Activity types that are bad signs (used by features and the default rules). */
export const NEGATIVE_ACTIVITY_TYPES: readonly ActivityType[] = ['unsubscribe', 'email_bounce'];

/** Activity types that signal buying intent. */
export const HIGH_INTENT_ACTIVITY_TYPES: readonly ActivityType[] = ['demo_request', 'trial_request', 'contact_sales'];
