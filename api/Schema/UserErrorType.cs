using GraphQL.Types;

namespace Omni.Api.Schema;

/// <summary>The contract's <c>ErrorCode</c>: the grains' codes, by the same names.</summary>
public sealed class ErrorCodeType : EnumerationGraphType<ErrorCode>
{
    public ErrorCodeType() => Name = "ErrorCode";

    protected override string ChangeEnumCase(string val) => val;
}

/// <summary>A domain refusal a client can act on, in every payload's <c>errors</c>.</summary>
public sealed class UserErrorType : ObjectGraphType<UserError>
{
    public UserErrorType()
    {
        Name = "UserError";
        Field<NonNullGraphType<ErrorCodeType>>("code").Plain(s => s.Code);
        Field<NonNullGraphType<StringGraphType>>("message").Plain(s => s.Message);
        Field<StringGraphType>("field").Plain(s => s.Field);
    }
}
