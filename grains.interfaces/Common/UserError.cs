namespace Omni;

/// <summary>Why a domain operation was refused. The names are the contract's <c>ErrorCode</c>.</summary>
[GenerateSerializer, Alias("Omni.ErrorCode")]
public enum ErrorCode
{
    INSUFFICIENT_STOCK,
    VERSION_CONFLICT,
    NOT_FOUND,
    INVALID_ARGUMENT,
    RESERVATION_EXPIRED,
    ALREADY_CHECKED_OUT,
    CONFLICT,
    /// <summary>The order, fulfillment or line is not in a state that allows it.</summary>
    INVALID_STATE,
    /// <summary>More units returned than were sold on the order's line.</summary>
    RETURN_EXCEEDS_SOLD,
    /// <summary>Not enough balance or points in the wallet.</summary>
    INSUFFICIENT_FUNDS,
}

/// <summary>A refusal a client can act on; never an exception.</summary>
[GenerateSerializer, Immutable, Alias("Omni.UserError")]
public sealed record UserError(
    [property: Id(0)] ErrorCode Code,
    [property: Id(1)] string Message,
    [property: Id(2)] string? Field = null)
{
    public static UserError InvalidArgument(string field, string message) => new(ErrorCode.INVALID_ARGUMENT, message, field);
    public static UserError NotFound(string field, string message) => new(ErrorCode.NOT_FOUND, message, field);
    public static UserError InvalidState(string field, string message) => new(ErrorCode.INVALID_STATE, message, field);
}
