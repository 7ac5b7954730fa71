# syntax=docker/dockerfile:1
# The API as a container (issue 16). Untested on the machine this was written on (no Docker engine there);
# .ci/image-steps runs the same install, build and prune commands in a clean checkout, and starts the result.
#
# Stage 1: install from the lock file (dev dependencies included: TypeScript builds), build, then drop
# the dev dependencies. Stage 2: Node 22 without npm's cache or a compiler, the built code, as the
# unprivileged `node` user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
COPY templates ./templates
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/templates ./templates
# read-only code owned by root; the process runs as node (uid 1000) and writes nothing to disk
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# npm start runs the built code (no compiling when NODE_ENV=production); node directly gets SIGTERM without npm in between
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
