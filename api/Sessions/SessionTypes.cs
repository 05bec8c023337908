using GraphQL.Types;
using Omni.Api.Schema;
using Omni.Carts;
using Omni.Sessions;

namespace Omni.Api.Sessions;

public sealed class ChannelType : EnumerationGraphType<Channel>
{
    public ChannelType() => Name = "Channel";

    protected override string ChangeEnumCase(string val) => val;
}

public sealed class SessionType : ObjectGraphType<SessionView>
{
    public SessionType()
    {
        Name = "Session";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<ChannelType>>("channel").Resolve(c => c.Source.Channel);
        Field<IdGraphType>("customerId").Resolve(c => c.Source.CustomerId);
        Field<NonNullGraphType<IdGraphType>>("cartId").Resolve(c => c.Source.CartId.ToString("D"));
        Field<NonNullGraphType<UtcDateTimeGraphType>>("startedAt").Resolve(c => c.Source.StartedAt);
        Field<NonNullGraphType<UtcDateTimeGraphType>>("lastSeenAt").Resolve(c => c.Source.LastSeenAt);
    }
}

public sealed class SessionPayloadType : ObjectGraphType<SessionResult>
{
    public SessionPayloadType()
    {
        Name = "SessionPayload";
        Field<SessionType>("session").Resolve(c => c.Source.Session);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("errors").Resolve(c => c.Source.Errors);
    }
}
