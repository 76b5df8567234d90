"""Reading a `.tflite` flatbuffer directly (ai-edge-litert's generated schema)."""

from ai_edge_litert import schema_py_generated as schema


def operator_codes(content):
    """[(builtin code, custom name or None)] of the model's operator table."""
    model = schema.Model.GetRootAs(content, 0)
    codes = []
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        # Codes above 127 live in BuiltinCode; DeprecatedBuiltinCode holds min(code, 127).
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        custom = code.CustomCode()
        codes.append((builtin, custom.decode("utf-8") if custom else None))
    return codes


def custom_op_names(content):
    """Names of custom ops (Select TF ops appear as custom ops named `Flex...`)."""
    return {
        custom
        for builtin, custom in operator_codes(content)
        if builtin == schema.BuiltinOperator.CUSTOM
    }
