using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Common;
using Omni.Sessions;

namespace Omni.Api.Sessions;

public static class SessionMutations
{
    public static void AddSessionMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<SessionPayloadType>>("startSession")
            .Description("A device opens a session on a channel: with a customer token on the customer's cart, without one on a fresh anonymous cart.")
            .Argument<NonNullGraphType<ChannelType>>("channel")
            .ResolveAsync(async c =>
            {
                var caller = c.Caller().EnsureTokenAccepted();
                var sessionId = Guid.NewGuid().ToString("N");
                var session = await c.Grains().Ref<ISessionGrain>(sessionId)
                    .Start(c.GetArgument<Channel>("channel"), caller.Role == Role.CUSTOMER ? caller.CustomerId : null);
                return new SessionResult(session, []);
            });

        mutation.Field<NonNullGraphType<SessionPayloadType>>("attachCustomer")
            .Description("Sign-in on a device (customer token): the session's anonymous cart merges into the customer's cart.")
            .Argument<NonNullGraphType<IdGraphType>>("sessionId")
            .ResolveAsync(async c =>
            {
                var customerId = c.Caller().EnsureCustomer();
                var sessionId = c.GetArgument<string>("sessionId");
                if (await SessionQueries.Find(c, sessionId) is null)
                {
                    return new SessionResult(null, [UserError.NotFound("sessionId", $"no session '{sessionId}'")]);
                }
                return await c.Grains().Ref<ISessionGrain>(sessionId).AttachCustomer(customerId);
            });
    }
}
