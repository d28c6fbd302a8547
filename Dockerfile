# One image for every Plenum service (docker-compose.yml picks the command). The sources run
# through tsx as everywhere else, so there is no build step beyond installing the dependencies.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages ./packages
COPY deploy ./deploy
# Dev dependencies too: tsx runs the sources and werift is the bridge's media stack.
RUN npm ci --ignore-scripts \
 && mkdir -p /app/.data && chown -R node:node /app/.data
USER node
CMD ["node", "--import", "tsx", "packages/all-in-one/src/main.ts"]
