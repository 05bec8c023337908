// GraphiQL for Omni: queries and mutations over HTTP, subscriptions over graphql-transport-ws, the
// headers editor for a bearer token and, when the API hands out dev tokens, one click for one.
import { createRoot } from 'react-dom/client';
import { useState } from 'react';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { getOperationAST, parse } from 'graphql';
import 'graphiql/style.css';
import './omni.css';

globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(new URL(`${name}.worker.js`, import.meta.url));
  },
};

const config = JSON.parse(document.getElementById('omni-graphiql-config').textContent);
const endpoint = new URL(config.endpoint, location.href);
const socketUrl = Object.assign(new URL(endpoint), { protocol: endpoint.protocol === 'https:' ? 'wss:' : 'ws:' }).href;

/** The token a dev-token button chose; a header typed in the Headers tab wins over it. */
let chosenToken = null;

function authorization(headers) {
  const typed = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  if (typed) return String(typed[1]);
  return chosenToken ? `Bearer ${chosenToken}` : null;
}

function isSubscription(params) {
  try {
    return getOperationAST(parse(params.query), params.operationName)?.operation === 'subscription';
  } catch {
    return false;
  }
}

// One socket per distinct Authorization: the token goes in connection_init, as browsers cannot set headers on an upgrade.
const sockets = new Map();
function socketFor(auth) {
  let client = sockets.get(auth ?? '');
  if (!client) {
    client = createClient({ url: socketUrl, connectionParams: auth ? { Authorization: auth } : {}, lazy: true, retryAttempts: 0 });
    sockets.set(auth ?? '', client);
  }
  return client;
}

async function fetcher(params, options) {
  const auth = authorization(options?.headers);
  if (isSubscription(params)) {
    return socketFor(auth).iterate(params);
  }
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' };
  for (const [name, value] of Object.entries(options?.headers ?? {})) headers[name] = String(value);
  if (auth) headers.authorization = auth;
  const response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(params) });
  return response.json();
}

function DevTokens() {
  const [customerId, setCustomerId] = useState('c1');
  const [storeId, setStoreId] = useState('s1');
  const [status, setStatus] = useState('anonymous');
  async function take(request, label) {
    const response = await fetch(new URL('/dev/token', location.href), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!response.ok) {
      setStatus(`no token (HTTP ${response.status})`);
      return;
    }
    chosenToken = (await response.json()).token;
    setStatus(label);
  }
  return (
    <div className="omni-tokens">
      <span>Dev token:</span>
      <input aria-label="customer id" value={customerId} onChange={e => setCustomerId(e.target.value)} size={8} />
      <button type="button" data-token="customer" onClick={() => take({ role: 'CUSTOMER', customerId }, `CUSTOMER ${customerId}`)}>customer</button>
      <input aria-label="store id" value={storeId} onChange={e => setStoreId(e.target.value)} size={4} />
      <button type="button" data-token="staff" onClick={() => take({ role: 'STAFF', storeId }, `STAFF ${storeId}`)}>staff</button>
      <button type="button" data-token="ops" onClick={() => take({ role: 'OPS' }, 'OPS')}>ops</button>
      <button type="button" data-token="none" onClick={() => { chosenToken = null; setStatus('anonymous'); }}>none</button>
      <span className="omni-token-status" data-status>{status}</span>
      <span className="omni-token-hint">(sent as Authorization unless the Headers tab sets one)</span>
    </div>
  );
}

// A link may carry the operation: /graphql?query=...&variables=... opens with it.
const linked = new URLSearchParams(location.search);

function App() {
  return (
    <div className="omni-ide">
      {config.devTokens ? <DevTokens /> : null}
      <div className="omni-graphiql">
        <GraphiQL
          fetcher={fetcher}
          defaultQuery={config.defaultQuery}
          initialQuery={linked.get('query') ?? undefined}
          initialVariables={linked.get('variables') ?? undefined}
        />
      </div>
    </div>
  );
}

createRoot(document.getElementById('graphiql')).render(<App />);
