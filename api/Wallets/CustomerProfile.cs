using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Customers;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Customers;
using Omni.Wallets;

namespace Omni.Api.Wallets;

/// <summary>A customer's wallet and timeline on <c>Customer</c>, and <c>customer(id)</c> for the till and the call centre.</summary>
public static class CustomerProfile
{
    /// <summary>The most timeline entries one page may ask for.</summary>
    public const int MaxPage = 200;

    public static void AddCustomerProfileQueries(this ObjectGraphType query) =>
        query.Field<CustomerType>("customer")
            .Description("A customer's profile for STAFF (at a till or in the call centre) and OPS.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c =>
            {
                c.Caller().EnsureStaffOrOps();
                var id = c.GetArgument<string>("id");
                var customer = c.Grains().Ref<ICustomerGrain>(id);
                // Looking someone up changes nothing: an id Omni has never seen is null. A customer
                // known only to their wallet (a till sale named them) gets their cart opened here.
                if (await customer.Find() is { } known)
                {
                    return known;
                }
                return (await c.Grains().Ref<IWalletGrain>(id).Get()).Version > 0 ? await customer.Get() : null;
            });

    /// <summary>The fields <c>customer-360.graphql</c> adds to <c>Customer</c>; the parent field already checked who may read it.</summary>
    public static void AddProfileFields(this ObjectGraphType<CustomerView> customer)
    {
        customer.Field<NonNullGraphType<ListGraphType<NonNullGraphType<TimelineEntryType>>>>("timeline")
            .Description($"Newest first; `before` an entry id for the next page; at most {MaxPage} a page.")
            .Argument<NonNullGraphType<IntGraphType>>("first", a => a.DefaultValue = 50)
            .Argument<IdGraphType>("before")
            .ResolveAsync(async c =>
            {
                var first = c.GetArgument<int>("first");
                if (first is < 0 or > MaxPage)
                {
                    throw Refusals.InvalidArgument($"first must be between 0 and {MaxPage}");
                }
                return await c.Grains().Ref<ICustomerTimelineGrain>(c.Source.Id).Page(first, c.GetArgument<string?>("before"));
            });
        customer.Field<NonNullGraphType<WalletType>>("wallet")
            .ResolveAsync(async c => await c.Grains().Ref<IWalletGrain>(c.Source.Id).Get());
    }

    public static void EnsureStaffOrOps(this Caller caller)
    {
        if (caller.Role is not (Role.STAFF or Role.OPS))
        {
            throw caller.IsAuthenticated ? Refusals.NotAllowed() : Refusals.NotAuthenticated();
        }
    }
}
