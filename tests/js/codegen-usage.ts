// How an SPA uses the types graphql-codegen makes from salesflow's contract (tests/js/codegen.ts);
// tests/e2e/test_codegen.py type-checks it with `tsc --strict` next to the generated schema.ts and
// operations.ts, so a type that is emitted but unusable (or a scalar typed as a number) fails there.
import type { ErrorCode, QuoteStatus, Scalars, SendQuoteInput, SendQuotePayload } from "./schema";
import type {
  EventsSubscription,
  EventsSubscriptionVariables,
  ReadmeOpportunitiesQuery,
  ReadmeSendQuoteMutation,
} from "./operations";

// A mutation's one input, as a form builds it (expectedVersion is the version the page read).
export const send: SendQuoteInput = { quoteId: "UXVvdGU6MQ==", expectedVersion: 3 };
export const sendWhateverVersion: SendQuoteInput = { quoteId: "UXVvdGU6MQ==" };

// Its payload's errors: a code to branch on (a union of the ErrorCode values), a field path, a message.
type SendQuoteErrorCode = SendQuotePayload["errors"][number]["code"];
export function explain(code: SendQuoteErrorCode): string {
  switch (code) {
    case "CONFLICT":
      return "Someone changed this quote; reload it and try again.";
    case "INVALID_TRANSITION":
      return "This quote can no longer be sent.";
    default:
      return code;
  }
}
export const everyCode: ErrorCode[] = ["NOT_FOUND", "VALIDATION", "CONFLICT", "PERMISSION_DENIED"];

// The README's sendQuote as the SPA sends it: its result is the quote or the errors, never undefined.
export function sentStatus(answer: ReadmeSendQuoteMutation): QuoteStatus | string[] {
  const { quote, errors } = answer.sendQuote;
  return errors.length ? errors.map((e) => `${e.code}: ${e.message}`) : quote!.status;
}

// Money travels as an exact decimal string: it goes to a decimal library or Intl, never to arithmetic.
export const amount: Scalars["Decimal"]["output"] = "1234.50";
export const due: Scalars["Date"]["input"] = "2027-12-31";
export function kanbanCards(page: ReadmeOpportunitiesQuery): string[] {
  return page.opportunities.edges.map(({ node }) => {
    const money: string = node.amount; // a Decimal: exact, as the server wrote it
    return `${node.title} (${node.stage?.name ?? "no stage"}): ${money} ${node.currency}, version ${node.version}`;
  });
}

// The Apollo subscriber's live updates (tests/js/apollo-subscriber.mjs), narrowed by their fields.
export const which: EventsSubscriptionVariables = { types: ["QUOTE", "ORDER"] };
export function describe(event: EventsSubscription["documentEvents"]): string {
  const document = event.document;
  if (document && "quoteStatus" in document) return `quote ${document.id} is ${document.quoteStatus}, ${document.total}`;
  if (document && "orderStatus" in document) return `order ${document.id} is ${document.orderStatus}`;
  return `${event.documentType} ${event.documentId}: ${event.fromState ?? "new"} → ${event.toState} at ${event.at}`;
}
