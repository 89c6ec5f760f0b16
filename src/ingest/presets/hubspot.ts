import { shapeMapping, type Preset } from './shape.ts';

/**
 * HubSpot exports of contacts and deals, by the default property labels HubSpot puts in an export's
 * header (HubSpot Knowledge Base: "HubSpot's default contact properties" and "HubSpot's default deal
 * properties"). Deals are linked to contacts by an associated-contact id column; a deal with several
 * contacts counts for the first one; deals whose contact is not in the contacts export are skipped
 * and counted. Without a deals export, a contact with a "Became a Customer Date" counts as won then.
 * Lifecycle stage, lead status and the "became a ..." dates describe the outcome: they are never lead
 * attributes. Names and phone numbers are dropped.
 */

const CONTACT_DROP = [
  'First Name',
  'Last Name',
  'Phone Number',
  'Mobile Phone Number',
  'Street Address',
  'Postal Code',
  'Zip',
  'Lifecycle Stage',
  'Lead Status',
  'Became a Customer Date',
  'Became a Lead Date',
  'Became an Opportunity Date',
  'Became a Sales Qualified Lead Date',
  'Became a Marketing Qualified Lead Date',
  'Became a Subscriber Date',
  'Became an Evangelist Date',
  'Became an Other Lifecycle Date',
  'Recent Deal Amount',
  'Recent Deal Close Date',
  'Number of Associated Deals',
  'Total Revenue',
  'Days To Close',
  'First Deal Created Date',
  'Associated Deal',
  'Associated Deal IDs',
  'Last Activity Date',
  'Last Modified Date',
  'Last Contacted',
  'Contact owner',
  'HubSpot Owner',
  'Owner Assigned Date',
  'Number of Sales Activities',
  'Lead Score',
  'HubSpot Score',
  'Time to move from lead to customer',
  'Time to move from opportunity to customer',
  'Date of last meeting booked in meetings tool',
];

export const HUBSPOT: Preset = {
  name: 'hubspot',
  source: "HubSpot Knowledge Base (default contact and deal properties, by their labels in an export's header)",
  shapes: [
    {
      name: 'HubSpot contacts export',
      table: 'leads',
      signature: [
        ['Record ID', 'Contact ID'],
        ['Create Date', 'Create date'],
      ],
      mapping: shapeMapping({
        columns: {
          lead_id: ['Record ID', 'Contact ID'],
          created_at: ['Create Date'],
          email: ['Email'],
          company: ['Company Name', 'Company'],
          job_title: ['Job Title'],
          industry: ['Industry'],
          company_size: ['Company size', 'Number of Employees'],
          annual_revenue: ['Annual Revenue'],
          country: ['Country/Region', 'Country'],
          lead_source: ['Original Source', 'Original Traffic Source', 'Original Source Type'],
        },
        drop: CONTACT_DROP,
      }),
    },
    {
      name: 'HubSpot deals export',
      table: 'outcomes',
      signature: [
        ['Record ID', 'Deal ID'],
        ['Deal Stage'],
        ['Associated Contact IDs', 'Associated Contact ID', 'Contact ID', 'Associated Contact'],
      ],
      mapping: shapeMapping({
        columns: {
          lead_id: ['Associated Contact IDs', 'Associated Contact ID', 'Contact ID', 'Associated Contact'],
          opportunity_id: ['Record ID', 'Deal ID'],
          created_at: ['Create Date', 'Close Date'],
          closed_at: ['Close Date'],
          status: ['Deal Stage'],
          amount: ['Amount'],
        },
        values: {
          status: { 'closed won': 'won', closedwon: 'won', 'closed lost': 'lost', closedlost: 'lost', '*': 'open' },
        },
        split: { lead_id: ';' },
        unknownLeads: 'skip',
      }),
    },
  ],
  outcomesFromLeads: {
    name: 'customers of the HubSpot contacts export',
    table: 'outcomes',
    signature: [['Record ID', 'Contact ID'], ['Became a Customer Date']],
    mapping: shapeMapping({
      columns: {
        lead_id: ['Record ID', 'Contact ID'],
        created_at: ['Became a Customer Date'],
        closed_at: ['Became a Customer Date'],
      },
      rules: {
        status: [
          { when: { 'Became a Customer Date': ['*'] }, value: 'won' },
          { when: {}, value: null },
        ],
      },
    }),
  },
};
