# Chains controller image: Node 20, the bundled CLI (dist/, built by `npm run build`) and production
# dependencies only; no TypeScript sources and no loader at run time.
#   docker build --build-arg GIT_COMMIT="$(git rev-parse HEAD)" -t chains-ts . && docker run --rm chains-ts demo
# (docs/deploy.md)

# 1. bundle: dev dependencies (esbuild) and the sources; --ignore-scripts: nothing native is needed to bundle
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
# the build context usually has no .git: the commit `chains version` reports comes in as a build argument
ARG GIT_COMMIT=unknown
RUN CHAINS_GIT_COMMIT="$GIT_COMMIT" npm run build

# 2. production dependencies: --ignore-scripts skips our `prepare` (a build, which needs dev dependencies);
# better-sqlite3 then compiles from source when no prebuilt binary can be fetched
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# a bounded heap keeps RSS low with large backlogs (V8 otherwise grows lazily); see bench/controller.bench.ts
ENV NODE_OPTIONS=--max-old-space-size=192
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin/chains ./bin/chains
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["./bin/chains"]
CMD ["controller"]
