/**
 * Builds the express app that serves Partnergate's own routes. Nothing else knows about express wiring.
 * Requests for WordPress never reach this app: `server.ts` sends them straight to the proxy.
 */
import { resolve, sep } from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { AppError } from './common/index.js';
import type { GatewayDeps } from './deps.js';
import { apiKeyAuth, createAuthRouter, csrfProtection, requirePartner, sessionLoader, type AccessRules, type OidcService } from './auth/index.js';
import { ADMIN_BASE, adminUploads, createAdminArea, createReloadableBlocks, viewAsLayer } from './admin-area/index.js';
import { createReportsRouter, isPartnerApiRoute, partnerOpenApi } from './reports/index.js';
import { createHealthRouter, errorHandler, requestContext } from './http/index.js';
import { createPartnerCenterRouter, pageGate, shippedTemplatesDir } from './views/index.js';

export interface AppOptions {
  /** Program access rule (admin's "program name equal to X"); built by the auth capability. */
  accessRules?: AccessRules;
  /** Paths that accept cross-site POSTs by design (server-to-server), e.g. OIDC back-channel logout. */
  csrfExempt?: string[];
}

/** @param options.oidc the gateway's one OpenID Connect service (built by `createGateway`) */
export function createApp(deps: GatewayDeps, options: AppOptions & { oidc: OidcService }): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Own pages are private and no-store, so no browser revalidates them: hashing every body for an ETag buys
  // nothing (static assets keep theirs: express.static sets its own).
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', false);
  app.set('trust proxy', config.trustProxy === 'false' ? false : config.trustProxy === 'true' ? true : config.trustProxy);

  app.use(requestContext(deps.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'https:', 'http:'],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          formAction: ["'self'", ...(config.oidcIssuer ? [config.oidcIssuer] : [])],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: config.cookieSecure ? [] : null,
        },
      },
      strictTransportSecurity: config.cookieSecure,
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  app.use(createHealthRouter(deps));

  const brandCss = `:root { --brand: ${config.brandPrimaryColor}; }\n`;
  app.get('/partner-center/assets/brand.css', (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(brandCss);
  });
  const assets = [config.themeDir ? resolve(config.themeDir, 'assets') : undefined, resolve(shippedTemplatesDir, 'assets')].filter((d): d is string => Boolean(d));
  // The lightbox script is pasted into partners' own sites, on other origins: helmet's same-origin resource
  // policy would block it there.
  const setHeaders = (res: express.Response, path: string) => {
    if (path.endsWith(`${sep}lightbox.js`)) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  };
  for (const dir of assets) app.use('/partner-center/assets', express.static(dir, { maxAge: '1h', index: false, fallthrough: true, setHeaders }));

  app.use(express.urlencoded({ extended: false, limit: config.maxFormBytes, parameterLimit: 200 }));
  app.use(express.json({ limit: config.maxFormBytes }));
  app.use(sessionLoader({ db: deps.store.db, policy: deps.sessionPolicy, cookies: deps.cookies, secure: config.cookieSecure }));
  // The partner API's description is public, like any API's documentation; it holds no data.
  app.get('/partner-center/api/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(partnerOpenApi());
  });
  // A request with `Authorization` is judged by its API key alone, before CSRF and every route.
  app.use(apiKeyAuth({ db: deps.store.db, now: deps.now, ratePerMinute: config.apiKeyRatePerMinute, allowed: isPartnerApiRoute }));
  // The admin area's file upload becomes form fields here, so its `_csrf` is checked like any other form's.
  app.use(adminUploads);
  app.use(csrfProtection({ publicOrigins: [new URL(config.publicUrl).origin, ...(config.partnerCenterHost ? [`${new URL(config.publicUrl).protocol}//${config.partnerCenterHost}`] : [])], exempt: options.csrfExempt ?? [] }));

  // An administrator viewing as a partner: read-only and bannered, on every own route (sign-out ends the view).
  app.use(viewAsLayer(deps));

  const blocks = createReloadableBlocks(deps);
  app.use('/sso', createAuthRouter(deps, options.oidc));
  app.use(ADMIN_BASE, createAdminArea(deps, { blocks }));
  app.use('/partner-center', requirePartner(options.accessRules));
  app.use('/partner-center', (_req, res, next) => {
    // Private pages: never cached by the browser or a shared cache.
    res.setHeader('Cache-Control', 'private, no-store');
    next();
  });
  app.use('/partner-center', pageGate(deps));
  app.use('/partner-center', createReportsRouter(deps));
  app.use('/partner-center', blocks.handler);
  app.use('/partner-center', createPartnerCenterRouter(deps));
  app.get('/', (_req, res) => res.redirect(302, '/partner-center/'));

  app.use((_req, _res, next) => next(new AppError('not_found', 'There is no page at this address.')));
  app.use(errorHandler(deps.views));
  return app;
}
