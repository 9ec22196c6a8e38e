// An Apollo Client 4 app subscribing through GraphQLWsLink (graphql-ws underneath), as an SPA does,
// its handshake carrying SALESFLOW_ORIGIN.
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { createClient } from "graphql-ws";
import { report, reportError, setting, webSocketFrom } from "./report.mjs";

const link = new GraphQLWsLink(createClient({
  url: setting("SALESFLOW_WS_URL"),
  connectionParams: { Authorization: `Bearer ${setting("SALESFLOW_TOKEN")}` },
  webSocketImpl: webSocketFrom(setting("SALESFLOW_ORIGIN")),
  on: { connected: () => report({ connected: "apollo" }) },
}));
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const EVENTS = gql`subscription Events($types: [DocumentType!]) {
  documentEvents(types: $types) {
    sequence documentType documentId trigger fromState toState at actor { name }
    document { id ... on Quote { quoteStatus: status total } ... on Order { orderStatus: status } }
  }
}`;

client.subscribe({ query: EVENTS, variables: { types: ["QUOTE", "ORDER"] } }).subscribe({
  next: (result) => (result.error ? reportError(result.error) : report({ event: result.data.documentEvents })),
  error: (error) => reportError(error),
  complete: () => reportError("the subscription completed"),
});
