// What one endpoint is, as data: the table that both mounts the routes and writes the OpenAPI document.
import type { Request, Response } from 'express';
import type { TObject } from '@sinclair/typebox';
import type { AnswerName, AnswerSpec, PresetRoutes, Reply } from '../presets/types';
import type { EdgeContext } from './context';
import type { Credential } from './credentials';
import type { BodyReader } from './request';

export type RoutePathKey = Exclude<keyof PresetRoutes, 'refreshMethod'>;

/** What every route handler gets: the request's parts the edge has read for it (its credential adds its own part). */
export interface RouteInput<B> {
  req: Request;
  res: Response;
  /** The body's fields, checked against the route's schema. */
  fields: B;
  /** The client's device cookie, if any. */
  deviceToken: string | undefined;
}

/** A route; `I` is what its credential gives the handler (`auth`, `token` or nothing), typed by the credential. */
export interface RouteDeclaration<B = Record<string, never>, I extends object = object> {
  /** The preset's path key: the route is mounted where the preset puts it, and not at all when that is null. */
  path: RoutePathKey;
  method: 'get' | 'post' | 'delete' | 'patch' | ((edge: EdgeContext) => 'get' | 'post');
  operationId: string;
  /** One line, for the operation lists of docs UIs. */
  summary: string;
  /** The details (Markdown; error codes in backticks), where one line is not enough. */
  description?: string;
  tag: 'login' | 'second factor' | 'sessions' | 'account' | 'API keys' | 'passkeys';
  /** The JSON body, as a schema (data, shared with the OpenAPI document); absent when the route reads no body. */
  body?: Omit<BodyReader<TObject>, 'read'> & { read(req: Request): B };
  /**
   * The request body as documented, for a route that reads its own body instead of `body` (password forgot takes a
   * bare string as well as a JSON object); the mount then parses nothing for it.
   */
  requestBody?: Record<string, unknown>;
  /** Query parameters the route reads, as the OpenAPI document shows them (OpenAPI parameter objects, `in: 'query'`). */
  queryParameters?: readonly Record<string, unknown>[];
  /**
   * Whether a request may come without a body (refresh and logout take the token from the body or the header; with an
   * identity provider, a login may be its JWT as bearer and no body). The handler then gets no fields.
   */
  bodyOptional?: (edge: EdgeContext) => boolean;
  /** The credential it takes (`accessToken()`, `challengeToken()`, …): how it is read and checked, and what it documents. */
  credential: Credential<I>;
  /** The per-IP limiter the route shares with routes of its kind, by name; absent: none. */
  limiter?: 'login' | 'second-factor' | 'change-password' | 'refresh';
  /**
   * Whether the route checks a password (bcrypt). Under a login flood such a route is answered 503 first thing, before
   * its rate limiter and body parser spend time on a request the password workers could not take anyway.
   */
  checksPassword?: boolean;
  /** Whether this instance mounts the route beyond the preset having a path for it (e.g. refresh tokens issued). */
  mountedWhen?: (edge: EdgeContext) => boolean;
  /** The answers it gives on success, for the document (their statuses and schemas come from the preset). */
  answers: readonly AnswerName[];
  /** Answers given in one format under every preset (WebAuthn's JSON), beside or instead of the preset's `answers`. */
  fixedAnswers?: readonly AnswerSpec[];
  /** The error statuses it can answer, for the document. */
  errors: readonly number[];
  handle(edge: EdgeContext, input: RouteInput<B> & I): Promise<Reply>;
}

/** Declares a route; the identity function, there for the types (the handler's input follows body and credential). */
export function defineRoute<B, I extends object>(route: RouteDeclaration<B, I>): RouteDeclaration<B, I> {
  return route;
}
