import { GraphQLError } from 'graphql';

/**
 * An error the caller can fix. Yoga passes GraphQLErrors through unmasked, so the message must say
 * which argument was wrong and what it accepts, and must never carry internal details.
 */
export function badUserInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}
