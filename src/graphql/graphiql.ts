import { Router } from 'express';

/** Placeholder: replaced by the local-asset GraphiQL page. */
export function graphiqlRouter(): Router {
  return Router();
}
