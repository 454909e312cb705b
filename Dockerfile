# Chains controller image: Node 20, production dependencies only, runs the TypeScript sources through
# bin/ts-loader.mjs (esbuild, no build step).
# docker build -t chains-ts . && docker run --rm chains-ts demo
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be fetched
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# a bounded heap keeps RSS low with large backlogs (V8 otherwise grows lazily); see bench/controller.bench.ts
ENV NODE_OPTIONS=--max-old-space-size=192
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["./bin/chains"]
CMD ["controller"]
