using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Live;
using Omni.Api.Schema;
using Omni.Customers;
using Omni.Wallets;

namespace Omni.Api.Wallets;

public static class WalletSubscriptions
{
    public static void AddWalletSubscriptions(this ObjectGraphType subscription)
    {
        subscription.Field<NonNullGraphType<WalletType>, WalletView>("myWalletUpdated")
            .Description("The signed-in customer's wallet now, then every change, in version order, on every device.")
            .Resolve(c => (WalletView?)c.Source)
            .ResolveStream(c => c.Service<WalletFeed>().Watch(c.Caller().EnsureCustomer()));

        subscription.Field<NonNullGraphType<WalletType>, WalletView>("walletUpdated")
            .Description("STAFF and OPS: a customer's wallet now, then every change, in version order (the till).")
            .Argument<NonNullGraphType<IdGraphType>>("customerId")
            .Resolve(c => (WalletView?)c.Source)
            .ResolveStream(c =>
            {
                c.Caller().EnsureStaffOrOps();
                return c.Service<WalletFeed>().Watch(c.GetArgument<string>("customerId"));
            });

        subscription.Field<NonNullGraphType<TimelineEntryType>, object>("myTimelineUpdated")
            .Description("The signed-in customer's newest timeline entry, then each new one, in the timeline's order.")
            .Resolve(c => ((TimelineItem)c.Source!).Entry)
            .ResolveStream(c => c.Service<TimelineFeed>().Watch(c.Caller().EnsureCustomer()));
    }
}
