// An Apollo Client 4 app that sends its queries as GET (HttpLink's useGETForQueries, as apps behind a
// cache do) and its mutations as POST: it reads a page three times from the network, renames the first
// opportunity, and reads the page again. Each answer is reported as {"answer": <label>, "data": …}.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { report, reportError, setting } from "./report.mjs";

const client = new ApolloClient({
  link: new HttpLink({
    uri: setting("SALESFLOW_HTTP_URL"),
    useGETForQueries: true,
    headers: { Authorization: `Bearer ${setting("SALESFLOW_TOKEN")}`, "Accept-Language": "tr" },
  }),
  cache: new InMemoryCache(),
});

const PAGE = gql`query Page {
  opportunities(first: 10) { edges { cursor node { id title amount stage { name } account { name } } } totalCount }
}`;
const RENAME = gql`mutation Rename($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { errors { code } } }`;

async function page(label) {
  const result = await client.query({ query: PAGE, fetchPolicy: "network-only" });
  if (result.error) throw result.error;
  report({ answer: label, data: result.data });
  return result.data;
}

try {
  let data;
  for (const label of ["first", "second", "third"]) data = await page(label);
  const id = data.opportunities.edges[0].node.id;
  const renamed = await client.mutate({ mutation: RENAME, variables: { i: { opportunityId: id, title: "Renamed by Apollo" } } });
  if (renamed.error || renamed.data.updateOpportunity.errors.length) reportError("the rename failed", renamed);
  await page("after the rename");
  report({ done: true });
} catch (error) {
  reportError(error);
}
