import { HttpError } from "@msgevents/http";

/** A 400 in SparkPost's shape, naming the offending parameter. */
export function invalidParameter(param: string, message: string, description: string): HttpError {
  return new HttpError(400, { message, description, param });
}
