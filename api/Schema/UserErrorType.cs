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
        Field<NonNullGraphType<ErrorCodeType>>("code").Resolve(c => c.Source.Code);
        Field<NonNullGraphType<StringGraphType>>("message").Resolve(c => c.Source.Message);
        Field<StringGraphType>("field").Resolve(c => c.Source.Field);
    }
}
