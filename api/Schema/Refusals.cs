using GraphQL;

namespace Omni.Api.Schema;

/// <summary>
/// GraphQL errors for requests the API refuses before any grain sees them. Domain refusals are not
/// here: they travel in the payloads' <c>errors</c> with the grain's <see cref="UserError"/> code.
/// The messages never quote the data a caller was refused.
/// </summary>
public static class Refusals
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Forbidden = "FORBIDDEN";

    public static ExecutionError NotAuthenticated() =>
        new("This needs a valid bearer token.") { Code = Unauthenticated };

    public static ExecutionError NotAllowed() =>
        new("This token does not allow that.") { Code = Forbidden };

    public static ExecutionError InvalidArgument(string message) =>
        new(message) { Code = nameof(ErrorCode.INVALID_ARGUMENT) };

    public static ExecutionError NotFound(string message) =>
        new(message) { Code = nameof(ErrorCode.NOT_FOUND) };
}
