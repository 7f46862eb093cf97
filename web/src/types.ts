// The API's response shapes (see the OpenAPI schema at /docs).

export interface CustomerSummary { customerId: string; displayName: string | null }
export interface CustomerPage { total: number; offset: number; limit: number;
  items: CustomerSummary[] }

export interface LinkEvidence { rule: string; score: number; with: string }
export interface IdentityView {
  identityId: string; kind: string; network: string | null; value: string;
  displayName: string | null; linkRule: string | null; linkScore: number | null;
  evidence: LinkEvidence[];
}
export interface ChannelUse { channel: string; companyOwned: boolean | null; interactions: number;
  lastContact: string | null; interactionIds: string[] }
export interface JourneyStep {
  interactionId: string; occurredAt: string | null; channel: string | null; kind: string | null;
  direction: string | null; text: string | null; sentiment: string | null; score: number | null;
  caseId: string | null;
}
export interface CaseSummary { caseId: string; status: string | null; openedAt: string | null;
  closedAt: string | null; interactionIds: string[] }
export interface ConceptFact { conceptId: string; label: string | null; volume: number;
  sentiment: number | null; trend: number; interactionIds: string[] }
export interface EntityFact { entityId: string; name: string | null; type: string | null;
  volume: number; interactionIds: string[] }
export interface SignalFact { category: string; volume: number; interactionIds: string[] }
export interface CoOccurrence { concepts: [string, string]; together: number; lift: number;
  interactionIds: string[] }
export interface SimilarCustomer { customerId: string; sharedConcepts: string[]; jaccard: number }
export interface ConsentDecision { purpose: string; channel: string | null; allowed: boolean;
  reason: string; consentId: string | null }
export interface ConsentEvent { consentId: string; purpose: string; status: string;
  channel: string | null; givenAt: string; expiresAt: string | null; recordedAt: string | null;
  source: string | null; evidence: string | null; recordedBy: string | null;
  identityId: string | null; evidenceInteractionId: string | null }
export interface ConsentSuggestion { customerId: string; identityId: string; interactionId: string;
  occurredAt: string | null; channel: string | null; text: string | null;
  evidence: string | null; confidence: number | null }
export interface CustomerPermissions { decisions: ConsentDecision[]; current: ConsentEvent[];
  history: ConsentEvent[]; suggestions: ConsentSuggestion[] }
export interface Customer360 {
  customerId: string; displayName: string | null; segment: string | null;
  identities: IdentityView[]; channels: ChannelUse[]; journey: JourneyStep[];
  journeyOffset: number; cases: CaseSummary[]; concepts: ConceptFact[];
  entities: EntityFact[]; intents: SignalFact[]; emotions: SignalFact[];
  coOccurringConcepts: CoOccurrence[]; similarCustomers: SimilarCustomer[];
  permissions: CustomerPermissions | null;
}

export interface Span { start: number; end: number; text: string; label: string;
  extractor: string | null; extractorVersion: string | null; referenceValue: string | null;
  refersTo: string | null }
export interface Opinion { opinionId: string; polarity: string; score: number;
  confidence: number | null; algorithm: string | null; aspect: string | null }
export interface Signal { category: string; confidence: number | null; evidence: string | null }
export interface InteractionDetail {
  interactionId: string; occurredAt: string | null; direction: string | null; text: string | null;
  language: string | null; rating: number | null; kind: string | null; channel: string | null;
  author: string | null; customerId: string | null; caseId: string | null;
  replyTo: string | null; spans: Span[]; opinions: Opinion[]; intents: Signal[];
  emotions: Signal[];
}
export interface CaseDetail { caseId: string; status: string | null; openedAt: string | null;
  closedAt: string | null; customers: string[];
  interactions: { interactionId: string; occurredAt: string | null; direction: string | null;
    text: string | null; channel: string | null }[] }

export interface ConceptNode { conceptId: string; label: string | null; interactions: number;
  total: number; narrower: ConceptNode[] }
export interface Correlations {
  conceptId: string; interactionsInScope: number; volume: number;
  coOccurring: { conceptId: string; count: number; lift: number | null; npmi: number | null }[];
  sentimentByChannelAndMonth: { channel: string; volume: number; sentiment: number | null;
    month: string }[];
  topEntities: { entityId: string; name: string | null; volume: number }[];
  sampleInteractionIds: string[];
}
export interface PainPoint { conceptId: string; label: string | null; negative: number;
  intensity: number; score: number; recent: number; trend: number; sample: string[] }
export interface ChannelInsight { channel: string; volume: number; inbound: number;
  sentiment: number | null; answered: number; meanResponseSeconds: number | null }
export interface CypherResult { columns: string[]; rows: Record<string, unknown>[];
  truncated: boolean }
export interface ResolutionResult { customers: number; customerIds: Record<string, string> }

export type SearchMode = "hybrid" | "vector" | "text";
export type SentimentLabel = "positive" | "neutral" | "negative";
export type Direction = "inbound" | "outbound";
export interface SearchHit {
  interactionId: string; occurredAt: string | null; channelId: string | null;
  direction: string | null; sentiment: string | null; customer: CustomerSummary | null;
  case: { caseId: string; caseStatus: string | null } | null;
  concepts: { conceptId: string; prefLabel: string | null }[];
  /** The text around the searched words; highlights are [start, end) offsets into it, counted
   * in characters (code points), as the API counts them. */
  snippet: string; highlights: [number, number][]; score: number;
  vectorRank: number | null; textRank: number | null;
}
/** GET /search (the API's SearchPage). */
export interface MessageSearchPage { query: string; mode: SearchMode; total: number; offset: number;
  limit: number; items: SearchHit[] }
export interface CaseMessage { interactionId: string; text: string | null;
  occurredAt: string | null; secondsAfterOpening: number | null }
export interface SimilarCase { caseId: string; similarity: number; openedAt: string | null;
  closedAt: string | null; secondsToClose: number | null; customer: CustomerSummary | null;
  matched: CaseMessage; replies: CaseMessage[] }
export interface SimilarCases { interactionId: string; items: SimilarCase[] }

/** GET /insights/recurring-questions and /insights/emerging-topics (kg/knowledge/models.py). */
export type QuestionTrend = "rising" | "falling" | "steady" | "new";
export interface QuestionExample { interactionId: string; text: string | null;
  occurredAt: string | null }
export interface QuestionConcept { conceptId: string; prefLabel: string | null; messages: number }
export interface RecurringQuestion {
  groupId: string; messages: number; previousMessages: number; trend: QuestionTrend;
  allTime: number; customers: number; examples: QuestionExample[];
  concepts: QuestionConcept[]; answered: number;
  commonAnswer: { text: string | null; interactionId: string; givenTimes: number } | null;
  medianSecondsToAnswer: number | null; communityAnswered: number;
  advocates: { customerId: string; answers: number }[];
  publishedAnswerCandidate: boolean; deflectable: number;
}
export interface RecurringQuestions { since: string; until: string; deflectable: number;
  groups: RecurringQuestion[] }
export interface SkosSuggestion { conceptId: string; prefLabel: string; altLabels: string[];
  broader: string | null; turtle: string }
export interface EmergingTopic {
  groupId: string; messages: number; previousMessages: number; growth: number; terms: string[];
  examples: QuestionExample[]; nearestConcept: string | null;
  nearestSimilarity: number | null; suggestion: SkosSuggestion;
}
export interface EmergingTopics { since: string; until: string; topics: EmergingTopic[] }
