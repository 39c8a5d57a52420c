# tollbridge app: the ARI application, CLI and HTTP API. It connects to the Asterisk of
# docker/asterisk.Dockerfile instead of starting its own (TOLLBRIDGE_MANAGE_ASTERISK=no).
# Build from the repository root (.dockerignore keeps data/, node_modules/, dist/ and .git/
# out): docker build -f docker/app.Dockerfile .
# Node 24 (LTS): within package.json's engines; the README says which versions are tested.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV TOLLBRIDGE_MANAGE_ASTERISK=no \
    TOLLBRIDGE_ASTERISK_HOST=127.0.0.1 \
    TOLLBRIDGE_DATA_DIR=/data
# The image's `node` user (uid 1000) runs the app, not root: with an external Asterisk it needs
# no privilege. /data (database, secrets.json, ledger journal, recordings) is its own, 0700; a
# new named volume takes this owner and mode from the image.
RUN install -d -o node -g node -m 0700 /data
VOLUME /data
USER node
# V8's young generation capped as scripts/start.sh does for `npm start` (it says why).
ENTRYPOINT ["node", "--max-semi-space-size=1", "dist/cli/main.js"]
CMD ["start"]
