# One image recipe for every app: docker build --build-arg APP=ingest-gateway .
# Build stage: install, compile with SWC, drop dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /repo
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# Install scripts are not needed here: the image already runs Node 24, and the native SWC
# binary arrives as an optional dependency. Our own fixes to dependencies (patches/) are applied
# explicitly, as `npm ci`'s postinstall would.
RUN npm ci --ignore-scripts --no-audit --no-fund && npx patch-package
COPY tsconfig.base.json tsconfig.json .swcrc ./
COPY tools/build ./tools/build
COPY libs ./libs
COPY apps ./apps
RUN node tools/build/build.mjs && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Run stage: only what the app needs at run time.
FROM node:24-bookworm-slim
ARG APP
RUN test -n "$APP" || (echo "build with --build-arg APP=<app name>" && false)
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    APP=${APP}
WORKDIR /srv
COPY --from=build --chown=node:node /repo/node_modules ./node_modules
COPY --from=build --chown=node:node /repo/dist ./dist
COPY --from=build --chown=node:node /repo/package.json ./package.json
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form through sh so APP expands and the app is PID 1's only child (signals reach it).
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
