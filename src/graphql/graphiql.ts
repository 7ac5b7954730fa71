import { FastifyInstance } from 'fastify';

/** Placeholder: replaced by the local-asset GraphiQL page. */
export function registerGraphiql(_fastify: FastifyInstance): void {}
