using GraphQLParser.AST;
using GraphQL;
using GraphQL.Types;
using Omni.Api.Auth;
using Omni.Api.Carts;
using Omni.Api.Catalog;
using Omni.Api.Customers;
using Omni.Api.Inventory;
using Omni.Api.Live;
using Omni.Api.Orders;
using Omni.Api.Sessions;
using Omni.Api.Stores;
using Omni.Api.Transfers;
using Omni.Api.Wallets;

namespace Omni.Api.Schema;

/// <summary>
/// The public contract (shared/contract/schema.graphql) and a few ops additions. Each feature
/// folder contributes its fields to the three root types; the field order follows the contract.
/// </summary>
public sealed class OmniSchema : GraphQL.Types.Schema
{
    public OmniSchema(IServiceProvider services, OmniQuery query, OmniMutation mutation, OmniSubscription subscription)
        : base(services)
    {
        Query = query;
        Mutation = mutation;
        Subscription = subscription;
        // The contract names the roles although no field returns one.
        RegisterType(typeof(RoleType));
    }
}

public sealed class OmniQuery : ObjectGraphType
{
    public OmniQuery()
    {
        Name = "Query";
        this.AddCatalogQueries();
        this.AddStoreQueries();
        this.AddInventoryQueries();
        this.AddCartQueries();
        this.AddSessionQueries();
        this.AddCustomerQueries();
        this.AddOrderQueries();
        this.AddStockLedgerQueries();
        this.AddTransferQueries();
        this.AddCustomerProfileQueries();
        ClusterRetry.Apply(this, onlyWithClientId: false);
    }
}

public sealed class OmniMutation : ObjectGraphType
{
    public OmniMutation()
    {
        Name = "Mutation";
        this.AddSessionMutations();
        this.AddCartMutations();
        this.AddOrderMutations();
        this.AddInventoryMutations();
        this.AddStoreMutations();
        this.AddCatalogMutations();
        this.AddStockLedgerMutations();
        this.AddTransferMutations();
        this.AddWalletMutations();
        ClusterRetry.Apply(this, onlyWithClientId: true);
    }
}

public sealed class OmniSubscription : ObjectGraphType
{
    public OmniSubscription()
    {
        Name = "Subscription";
        this.AddCartSubscriptions();
        this.AddInventorySubscriptions();
        this.AddOrderSubscriptions();
        this.AddStockLedgerSubscriptions();
        this.AddTransferSubscriptions();
        this.AddWalletSubscriptions();
    }
}

public sealed class RoleType : EnumerationGraphType<Role>
{
    public RoleType() => Name = "Role";

    protected override string ChangeEnumCase(string val) => val;
}

public static class OmniSchemaExtensions
{
    /// <summary>
    /// The Omni GraphQL schema, its per-request loaders and the live-update feeds, as the API host
    /// and the tests use them. The host adds a transport (<c>AddGraphQLTransport</c>) to serve it.
    /// </summary>
    public static IServiceCollection AddOmniSchema(this IServiceCollection services)
    {
        services.AddGraphQL(graphQL => graphQL
            .AddSchema<OmniSchema>()
            .AddGraphTypes(typeof(OmniSchema).Assembly)
            .AddValidationRule<IdGrammarRule>(useForCachedDocuments: true)
            .AddExecutionStrategy<PlainFieldsParallelStrategy>(OperationType.Query)
            .AddExecutionStrategy<PlainFieldsSerialStrategy>(OperationType.Mutation));
        services.AddScoped<ProductLoader>();
        services.AddScoped<IncomingLoader>();

        services.AddOptions<LiveOptions>()
            .BindConfiguration(LiveOptions.SectionName)
            .Validate(o => o.IsValid(), $"{LiveOptions.SectionName}: RenewEvery must be under a minute and SubscriberBuffer positive.")
            .ValidateOnStart();
        services.AddSingleton<CartFeed>();
        services.AddSingleton<OrderFeed>();
        services.AddSingleton<StockFeed>();
        services.AddSingleton<StockMovementFeed>();
        services.AddSingleton<TransferFeed>();
        services.AddSingleton<CatalogMembership>();
        services.AddSingleton<PickupQueueFeed>();
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<CartFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<OrderFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<StockFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<StockMovementFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<TransferFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<PickupQueueFeed>());
        services.AddSingleton<WalletFeed>();
        services.AddSingleton<TimelineFeed>();
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<WalletFeed>());
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<TimelineFeed>());
        services.AddHostedService<LiveRenewal>();
        return services;
    }
}
