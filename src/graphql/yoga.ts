// GraphQL Yoga mounted on Fastify at /graphql: self-contained GraphiQL (works offline), multipart
// uploads (Yoga implements the GraphQL multipart request spec natively, so no
// graphql-upload middleware), SSE subscriptions, and errors masked to the catalogue.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createYoga } from 'graphql-yoga';
import { createFetch } from '@whatwg-node/fetch';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Services } from '../services.ts';
import { createLoaders } from '../loaders/index.ts';
import { maskGraphQLError } from './errors.ts';
import { schema } from './schema.ts';
import type { GraphQLContext } from './builder.ts';

interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

export const MAX_UPLOAD_BYTES = 3 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 5;

export function registerGraphQL(app: FastifyInstance, services: Services): void {
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    renderGraphiQL,
    graphiql: { title: 'Intake GraphiQL' },
    logging: false,
    maskedErrors: { maskError: maskGraphQLError },
    fetchAPI: createFetch({ formDataLimits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_UPLOAD_FILES, fieldSize: 1024 * 1024 } }),
    // A fresh context (and fresh loaders) per operation: complexity and loaders cache on it.
    context: ({ req }) => ({ services, principal: req.principal, loaders: createLoaders(services.prisma) }),
  });

  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    config: { family: 'graphql', rateLimitFamily: 'graphql' },
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => reply.header(key, value));
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });
}
