using GraphQL;
using GraphQL.Types;

namespace Omni.Tests.Api.Transport;

/// <summary>
/// A schema that knows nothing of Omni, to exercise the transports alone: a query, a mutation,
/// subscriptions fed by sources the tests control, a field that throws and a recursive type for depth.
/// </summary>
public sealed class TestSchema : Schema
{
    public TestSchema(TestEventSource live)
    {
        Query = new TestQuery();
        Mutation = new TestMutation();
        Subscription = new TestSubscription(live);
    }

    private sealed class TestQuery : ObjectGraphType
    {
        public TestQuery()
        {
            Name = "Query";
            Field<StringGraphType>("hello")
                .Argument<StringGraphType>("name")
                .Resolve(context => $"Hello, {context.GetArgument<string?>("name") ?? "world"}!");
            Field<StringGraphType>("me").Resolve(context => context.User?.Identity?.Name);
            Field<StringGraphType>("boom").Resolve(_ => throw new InvalidOperationException("secret detail from the resolver"));
            Field<StringGraphType>("failsWith")
                .Argument<NonNullGraphType<StringGraphType>>("failure")
                .ResolveAsync(context => throw ClusterFailureTests.Failure(context.GetArgument<string>("failure")));
            Field<NodeType>("node").Resolve(_ => 1);
        }
    }

    private sealed class NodeType : ObjectGraphType<int>
    {
        public NodeType()
        {
            Name = "Node";
            Field<IntGraphType>("depth").Resolve(context => context.Source);
            Field<NodeType>("child").Resolve(context => context.Source + 1);
        }
    }

    private sealed class TestMutation : ObjectGraphType
    {
        public TestMutation()
        {
            Name = "Mutation";
            Field<IntGraphType>("add")
                .Argument<NonNullGraphType<IntGraphType>>("a")
                .Argument<NonNullGraphType<IntGraphType>>("b")
                .Resolve(context => context.GetArgument<int>("a") + context.GetArgument<int>("b"));
        }
    }

    private sealed class TestSubscription : ObjectGraphType
    {
        public TestSubscription(TestEventSource live)
        {
            Name = "Subscription";
            Field<IntGraphType, int>("ticks")
                .Argument<NonNullGraphType<IntGraphType>>("count")
                .ResolveStream(context => new CountingObservable(context.GetArgument<int>("count")));
            Field<StringGraphType>("live")
                .Argument<IntGraphType>("padding")
                .Resolve(context => $"{context.Source}:{new string('x', context.GetArgument<int>("padding"))}")
                .ResolveStream(_ => live);
        }
    }

    /// <summary>Emits 0 .. count-1 as soon as it is subscribed to, then completes.</summary>
    private sealed class CountingObservable(int count) : IObservable<int>
    {
        public IDisposable Subscribe(IObserver<int> observer)
        {
            for (var i = 0; i < count; i++)
            {
                observer.OnNext(i);
            }
            observer.OnCompleted();
            return new Completed();
        }

        private sealed class Completed : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
