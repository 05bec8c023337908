using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Sessions;

namespace Omni.Api.Sessions;

public static class SessionQueries
{
    public static void AddSessionQueries(this ObjectGraphType query) =>
        query.Field<SessionType>("session")
            .Description("A session: a customer's only with that customer's token (or ops), an anonymous one by its id.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await Find(c, c.GetArgument<string>("id")));

    /// <summary>The session if it exists (else null) and the caller may see it (else a GraphQL error).</summary>
    public static async Task<SessionView?> Find(IResolveFieldContext c, string sessionId)
    {
        if (sessionId is not { Length: > 0 and <= Limits.MaxIdLength })
        {
            return null;
        }
        var session = await c.Grains().Ref<ISessionGrain>(sessionId).Get();
        if (session is not null)
        {
            c.Caller().EnsureMayUse(session.CustomerId);
        }
        return session;
    }
}
