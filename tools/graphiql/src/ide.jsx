// The GraphiQL page the gateway serves at GET /graphql: every request it makes goes to the page's own
// server (POST /graphql, the graphql-ws WebSocket at /graphql, and these bundled assets), never elsewhere.
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { useSchemaStore } from '@graphiql/react';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';
import './page.css';

// The page is served at the endpoint itself, so its own address (without the query string) is the
// endpoint, whatever prefix a reverse proxy adds; http:// becomes ws:// and https:// becomes wss://.
const url = window.location.origin + window.location.pathname;
const subscriptionUrl = url.replace(/^http/, 'ws');

const DEFAULT_QUERY = `# salesflow GraphQL. Paste your token in Headers below:
#   {"Authorization": "Bearer sf_..."}
# then run the query (Ctrl-Enter). Subscriptions
# (documentEvents) use the same headers.
{
  viewer {
    user { name }
    role
  }
}
`;

// The server answers a missing or bad token with HTTP 401 and plain text; GraphiQL expects JSON, so
// such an answer becomes a GraphQL error that says what the server said.
async function fetchJson(input, init) {
  const response = await fetch(input, init);
  if ((response.headers.get('content-type') || '').includes('json')) return response;
  const text = (await response.text()).trim();
  const body = { errors: [{ message: `HTTP ${response.status}: ${text || response.statusText}` }] };
  return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
}

// subscriptionUrl makes the toolkit open a graphql-ws client per subscription, with the headers
// editor's content as connection_init payload, which is where the server reads the bearer token.
const fetcher = createGraphiQLFetcher({ url, subscriptionUrl, fetch: fetchJson, enableIncrementalDelivery: false });

// The schema is introspected once on load, before anyone has pasted a token; fetch it again when the
// headers change so that completion and the docs work as soon as the token is in.
let introspect = null;
let pending = null;
function headersEdited() {
  clearTimeout(pending);
  pending = setTimeout(() => introspect && introspect(), 400);
}

function Logo() {
  const fetchSchema = useSchemaStore((state) => state.introspect);
  useEffect(() => {
    introspect = fetchSchema;
  }, [fetchSchema]);
  return <span className="salesflow-logo">salesflow</span>;
}

function IDE() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
      onEditHeaders={headersEdited}
    >
      <GraphiQL.Logo>
        <Logo />
      </GraphiQL.Logo>
    </GraphiQL>
  );
}

createRoot(document.getElementById('graphiql')).render(<IDE />);
