// A second, independent OpenID provider for yuejuan's tests: panva's
// oidc-provider (OpenID Certified, from the npm registry; infra/peers/oidc-provider.sh),
// configured like a unit's single sign-on would be: one confidential web
// client, staff with static passwords, JWT access tokens for the API's
// audience carrying the unit's own claim names, RS256 keys of its own.
// Only the login form is ours (oidc-provider leaves the interaction UI to
// the deployment); it checks the password against the static accounts.
//
// Environment: OIDC_PROVIDER_MODULE (path of oidc-provider's lib/index.js),
// PORT, CONFIG (JSON: {issuer, audience, clients: [...], users: [...]}).
// Prints "listening <issuer>" when ready.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const { default: Provider } = await import(process.env.OIDC_PROVIDER_MODULE);
const cfg = JSON.parse(process.env.CONFIG);
const users = new Map(cfg.users.map((u) => [u.username, u]));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'peer-' + randomBytes(4).toString('hex') };

const scopes = 'openid profile offline_access';
// The resource indicator must be a URI; the tokens' audience is the API's.
const resource = 'urn:yuejuan:api';
const provider = new Provider(cfg.issuer, {
  clients: cfg.clients.map((c) => ({ ...c, grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic' })),
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: scopes.split(' '),
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: scopes, audience: cfg.audience, accessTokenTTL: cfg.accessTTL || 600,
        accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
  // First-party client: the grant is made at sign-in, no consent screen.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(scopes);
    grant.addResourceScope(resource, scopes);
    await grant.save();
    return grant;
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  async findAccount(_ctx, id) {
    const u = users.get(id);
    if (!u) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, name: u.name, preferred_username: id }) };
  },
  // The unit's claim names, as the yuejuan deployment maps them.
  async extraTokenClaims(_ctx, token) {
    const u = users.get(token.accountId);
    return u ? { name: u.name, ...u.claims } : undefined;
  },
  interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
  ttl: { Session: 12 * 3600, Interaction: 900, Grant: 12 * 3600, RefreshToken: 8 * 3600 },
});
provider.proxy = true;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const form = (uid, error) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>单位统一身份认证</title></head>
<body><h1>单位统一身份认证 (Unit single sign-on)</h1>${error ? `<p role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}"><label>用户名 <input name="username" autocomplete="username"></label>
<label>密码 <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">登录</button></form></body></html>`;

const body = (req) => new Promise((resolve) => {
  let b = '';
  req.on('data', (d) => { b += d; });
  req.on('end', () => resolve(new URLSearchParams(b)));
});

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const m = req.url.match(/^\/interaction\/([^/?]+)/);
  if (!m) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(form(details.uid));
    }
    const f = await body(req);
    const u = users.get(f.get('username'));
    if (!u || u.password !== f.get('password')) {
      res.statusCode = 401;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(form(details.uid, '用户名或密码错误 (wrong user name or password)'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: u.username } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 400;
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening ${cfg.issuer}`));
