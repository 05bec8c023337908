using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Schema;
using Omni.Common;
using Omni.Customers;

namespace Omni.Api.Customers;

public static class CustomerQueries
{
    public static void AddCustomerQueries(this ObjectGraphType query) =>
        query.Field<CustomerType>("me")
            .Description("The signed-in customer (customer token).")
            .ResolveAsync(async c => await c.Grains().Ref<ICustomerGrain>(c.Caller().EnsureCustomer()).Get());
}
