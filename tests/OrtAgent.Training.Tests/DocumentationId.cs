using System.Reflection;

namespace OrtAgent.Training.Tests;

/// <summary>
/// The name the C# compiler gives a type or member in its XML docs (<c>T:</c>, <c>M:</c>, <c>P:</c>, <c>F:</c>,
/// <c>E:</c> followed by the full name and, for methods, the parameter types), as the ECMA-334 annex spells it.
/// </summary>
internal static class DocumentationId
{
    public static string Of(Type type) => "T:" + TypeName(type);

    public static string Of(MemberInfo member) => member switch
    {
        Type type => Of(type),
        ConstructorInfo c => $"M:{TypeName(c.DeclaringType!)}.{(c.IsStatic ? "#cctor" : "#ctor")}{Parameters(c.GetParameters())}",
        MethodInfo m => $"M:{TypeName(m.DeclaringType!)}.{m.Name}{(m.IsGenericMethod ? $"``{m.GetGenericArguments().Length}" : "")}{Parameters(m.GetParameters())}"
            + (m.Name is "op_Implicit" or "op_Explicit" ? "~" + ParameterTypeName(m.ReturnType) : ""),
        PropertyInfo p => $"P:{TypeName(p.DeclaringType!)}.{p.Name}{Parameters(p.GetIndexParameters())}",
        FieldInfo f => $"F:{TypeName(f.DeclaringType!)}.{f.Name}",
        EventInfo e => $"E:{TypeName(e.DeclaringType!)}.{e.Name}",
        _ => throw new ArgumentException($"no documentation id for a {member.MemberType}", nameof(member)),
    };

    // A type's own name: nested types joined by '.', a generic definition keeping its `arity.
    private static string TypeName(Type type) => (type.IsNested ? TypeName(type.DeclaringType!) + "." + type.Name : $"{type.Namespace}.{type.Name}");

    private static string Parameters(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => ParameterTypeName(p.ParameterType))) + ")";

    // A type as a parameter: generic arguments in braces, type parameters by position (`n of the type, ``n of the method).
    private static string ParameterTypeName(Type type)
    {
        if (type.IsByRef) return ParameterTypeName(type.GetElementType()!) + "@";
        if (type.IsPointer) return ParameterTypeName(type.GetElementType()!) + "*";
        if (type.IsArray)
            return ParameterTypeName(type.GetElementType()!) + (type.GetArrayRank() == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", type.GetArrayRank())) + "]");
        if (type.IsGenericParameter) return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        if (!type.IsConstructedGenericType) return TypeName(type);
        var definition = type.GetGenericTypeDefinition();
        string name = TypeName(definition);
        return name[..name.LastIndexOf('`')] + "{" + string.Join(",", type.GetGenericArguments().Select(ParameterTypeName)) + "}";
    }
}
