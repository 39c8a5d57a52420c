# tollbridge app: the ARI application, CLI and HTTP API. It connects to the Asterisk of
# docker/asterisk.Dockerfile instead of starting its own (TOLLBRIDGE_MANAGE_ASTERISK=no).
# Build from the repository root: docker build -f docker/app.Dockerfile .
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV TOLLBRIDGE_MANAGE_ASTERISK=no \
    TOLLBRIDGE_ASTERISK_HOST=127.0.0.1 \
    TOLLBRIDGE_DATA_DIR=/data
VOLUME /data
# V8's young generation capped as scripts/start.sh does for `npm start` (it says why).
ENTRYPOINT ["node", "--max-semi-space-size=1", "dist/cli/main.js"]
CMD ["start"]
