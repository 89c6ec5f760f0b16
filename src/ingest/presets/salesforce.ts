import { shapeMapping, type Preset } from './shape.ts';

/**
 * Salesforce exports (Data Loader, Data Export, reports with API names as headers), by the standard
 * field API names of the Object Reference for the Salesforce Platform: Lead, Opportunity, Task, Event
 * and CampaignMember. Booleans may be true/false or 1/0.
 *
 * Outcomes: an Opportunity export is linked to its lead through the Lead export's
 * ConvertedOpportunityId (give both in one ingest), or through a lead id column on the opportunity
 * (LeadId, Lead_Id__c, "Lead ID"); opportunities linked to no lead in the Lead export are skipped and
 * counted. Without an Opportunity export, a converted lead (IsConverted) counts as won at its
 * ConvertedDate. Lead fields set by the outcome (Status, IsConverted, ConvertedDate, Converted*Id) are
 * never lead attributes; names, phone numbers and addresses are dropped.
 */

const TRUE = ['true', '1', 'yes'];

const LEAD_DROP = [
  'FirstName',
  'LastName',
  'Name',
  'Salutation',
  'MiddleName',
  'Suffix',
  'Phone',
  'MobilePhone',
  'Fax',
  'Street',
  'PostalCode',
  'Description',
  'Status',
  'IsConverted',
  'ConvertedDate',
  'ConvertedOpportunityId',
  'ConvertedAccountId',
  'ConvertedContactId',
  'OwnerId',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
  'LastActivityDate',
  'LastViewedDate',
  'LastReferencedDate',
  'CreatedById',
  'IsDeleted',
  'MasterRecordId',
  'IsUnreadByOwner',
  'PhotoUrl',
  'Jigsaw',
  'JigsawContactId',
  'EmailBouncedReason',
  'EmailBouncedDate',
  'Rating',
];

export const SALESFORCE: Preset = {
  name: 'salesforce',
  source:
    'Salesforce Object Reference (standard fields of Lead, Opportunity, Task, Event and CampaignMember, by API name)',
  shapes: [
    {
      name: 'Salesforce Lead export',
      table: 'leads',
      signature: [['Id'], ['CreatedDate'], ['LastName', 'Company', 'IsConverted', 'LeadSource']],
      mapping: shapeMapping({
        columns: {
          lead_id: ['Id'],
          created_at: ['CreatedDate'],
          email: ['Email'],
          company: ['Company'],
          job_title: ['Title'],
          industry: ['Industry'],
          company_size: ['NumberOfEmployees'],
          annual_revenue: ['AnnualRevenue'],
          country: ['Country', 'CountryCode'],
          lead_source: ['LeadSource'],
        },
        drop: LEAD_DROP,
      }),
    },
    {
      name: 'Salesforce Opportunity export',
      table: 'outcomes',
      signature: [['Id'], ['StageName', 'IsWon'], ['CloseDate', 'CreatedDate']],
      mapping: shapeMapping({
        columns: {
          lead_id: ['LeadId', 'Lead_Id__c', 'Lead ID', 'ConvertedLeadId'],
          opportunity_id: ['Id'],
          created_at: ['CreatedDate', 'CloseDate'],
          closed_at: ['CloseDate'],
          status: ['StageName'],
          amount: ['Amount'],
        },
        rules: {
          status: [
            { when: { IsWon: TRUE }, value: 'won' },
            { when: { IsClosed: TRUE }, value: 'lost' },
            { when: { IsClosed: ['false', '0', 'no'] }, value: 'open' },
          ],
        },
        values: { status: { 'closed won': 'won', 'closed lost': 'lost', '*': 'open' } },
        lookup: { column: 'Id', leadsColumn: 'ConvertedOpportunityId' },
        unknownLeads: 'skip',
      }),
    },
    {
      name: 'Salesforce Task or Event export',
      table: 'activities',
      signature: [['WhoId'], ['ActivityDate', 'ActivityDateTime', 'StartDateTime', 'CreatedDate']],
      mapping: shapeMapping({
        columns: {
          lead_id: ['WhoId'],
          occurred_at: ['ActivityDateTime', 'StartDateTime', 'CompletedDateTime', 'CreatedDate', 'ActivityDate'],
          activity_type: ['TaskSubtype', 'EventSubtype', 'Type'],
        },
        constants: { activity_type: 'task' },
        values: {
          activity_type: { email: 'email', listemail: 'email', call: 'call', meeting: 'meeting', event: 'meeting' },
        },
        unknownLeads: 'skip',
      }),
    },
    {
      name: 'Salesforce CampaignMember export',
      table: 'activities',
      signature: [['LeadId'], ['CampaignId'], ['CreatedDate', 'FirstRespondedDate']],
      mapping: shapeMapping({
        columns: {
          lead_id: ['LeadId'],
          occurred_at: ['FirstRespondedDate', 'CreatedDate'],
          campaign: ['CampaignId'],
          channel: ['Status'],
        },
        rules: {
          activity_type: [
            { when: { HasResponded: TRUE }, value: 'campaign_response' },
            { when: {}, value: 'campaign_member' },
          ],
        },
        unknownLeads: 'skip',
      }),
    },
  ],
  outcomesFromLeads: {
    name: 'converted leads of the Salesforce Lead export',
    table: 'outcomes',
    signature: [['Id'], ['IsConverted'], ['ConvertedDate']],
    mapping: shapeMapping({
      columns: { lead_id: ['Id'], created_at: ['ConvertedDate'], closed_at: ['ConvertedDate'] },
      rules: {
        status: [
          { when: { IsConverted: TRUE }, value: 'won' },
          { when: {}, value: null },
        ],
      },
    }),
  },
};
