"""List serialisation at a cost per item a page of 200 can afford, with DRF's exact output.

DRF renders every field of every row through generic code: `get_attribute` checks for
mappings and callables, `to_representation` re-reads settings and the time zone, and a
ModelSerializer built inside a method field rebuilds its fields from the model on each call.
That is several µs per field, hundreds per customer.

`CompiledListSerializer`, set as a serializer's `Meta.list_serializer_class`, renders the
same JSON with one reader per field compiled once per serializer class: an attribute read and
a conversion specialised for the field types the API uses (text, numbers, choices, dates,
decimals, slugs and keys of related rows, nested serializers, method fields). Anything else,
and any unusual value (a callable, a missing attribute, a naive datetime...), goes through
DRF's own code on the live serializer, so the output is DRF's by construction. The
serializers stay the one description of the output and of the OpenAPI schema.

A serializer using it must have the same fields for every instance and context (declared
fields and `Meta`, as ModelSerializers do): its fields are read once, from a blank instance.
"""

import datetime
import decimal
import functools
import types
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.signals import setting_changed
from django.db.models import Model
from django.db.models.manager import BaseManager
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

# What DRF's `get_attribute` would call (or refuse): such values take DRF's own path.
CALLABLE_TYPES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    functools.partial,
)


class RenderScope:
    """What rendering reads besides the row: the live serializer of this level (its context,
    its method fields, its fields for DRF's own path) and the time zone of the request.

    The live serializer is found only when a field needs it (`find_serializer`), because
    building a serializer's fields costs what the compiled readers save."""

    __slots__ = ("_find_serializer", "_nested", "_serializer", "timezone")

    def __init__(
        self,
        find_serializer: Callable[[], serializers.BaseSerializer],
        time_zone: datetime.tzinfo | None,
    ) -> None:
        self._find_serializer, self.timezone = find_serializer, time_zone
        self._serializer: serializers.BaseSerializer | None = None
        self._nested: dict[str, RenderScope] = {}

    @property
    def serializer(self) -> serializers.BaseSerializer:
        if self._serializer is None:
            self._serializer = self._find_serializer()
        return self._serializer

    def field(self, name: str) -> fields.Field:
        return self.serializer.fields[name]

    def nested(self, field_name: str) -> "RenderScope":
        scope = self._nested.get(field_name)
        if scope is None:

            def find_nested() -> serializers.BaseSerializer:
                field = self.field(field_name)
                return getattr(field, "child", field)  # A list's items: its child.

            scope = self._nested[field_name] = RenderScope(find_nested, self.timezone)
        return scope


Reader = Callable[[Any, RenderScope], Any]
Converter = Callable[[Any, RenderScope], Any]


class CompiledSerializer:
    """The readers of one serializer's fields, in its field order."""

    def __init__(self, readers: Iterable[tuple[str, Reader]]) -> None:
        self.readers = tuple(readers)

    def represent(self, instance: Any, scope: RenderScope) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, read in self.readers:
            # try/except costs nothing until raised; contextlib.suppress would, per field.
            try:  # noqa: SIM105
                row[name] = read(instance, scope)
            except SkipField:
                pass
        return row


class CompiledListSerializer(serializers.ListSerializer):
    """A ListSerializer rendering its items with their serializer's compiled readers."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        if type(self.child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(data)  # Its own rendering: nothing to compile.
        items = data.all() if isinstance(data, BaseManager) else data
        compiled = compiled_serializer(type(self.child))
        child = self.child
        scope = RenderScope(lambda: child, request_timezone())
        return [compiled.represent(item, scope) for item in items]


def represent_many(
    serializer_class: type[serializers.Serializer], instances: Iterable[Any]
) -> list[dict[str, Any]]:
    """`serializer_class(instances, many=True).data`, for a method field: DRF would build the
    serializer's fields again on every call."""
    if serializer_class.to_representation is not serializers.Serializer.to_representation:
        return serializer_class(instances, many=True).data
    compiled = compiled_serializer(serializer_class)
    scope = RenderScope(serializer_class, request_timezone())
    return [compiled.represent(instance, scope) for instance in instances]


def represent_one(serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """`serializer_class(instance).data` for an instance (not None), for a method field."""
    if serializer_class.to_representation is not serializers.Serializer.to_representation:
        return serializer_class(instance).data
    scope = RenderScope(serializer_class, request_timezone())
    return compiled_serializer(serializer_class).represent(instance, scope)


def request_timezone() -> datetime.tzinfo | None:
    """The zone DRF's DateTimeField converts to (its `default_timezone`)."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


_COMPILED: dict[type, CompiledSerializer] = {}


def compiled_serializer(serializer_class: type[serializers.Serializer]) -> CompiledSerializer:
    compiled = _COMPILED.get(serializer_class)
    if compiled is None:
        compiled = _COMPILED[serializer_class] = compile_serializer(serializer_class())
    return compiled


@receiver(setting_changed)
def forget_compiled_serializers(*, setting: str, **kwargs: Any) -> None:
    # Formats are read from the settings when compiling (tests override them).
    if setting in ("REST_FRAMEWORK", "USE_TZ", "TIME_ZONE"):
        _COMPILED.clear()


def uncompiled_fields(serializer_class: type[serializers.Serializer]) -> list[str]:
    """The fields (dotted for nested ones) that DRF's own code renders: tests keep this empty
    for the API lists, so that a new field of an unknown type is a decision, not a slowdown."""
    return _uncompiled_fields(serializer_class(), prefix="")


def _uncompiled_fields(serializer: serializers.Serializer, prefix: str) -> list[str]:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    names = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        if getattr(field_reader(field, model), "renders_with_drf", False):
            names.append(prefix + field.field_name)
            continue
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.Serializer):
            names += _uncompiled_fields(nested, prefix=f"{prefix}{field.field_name}.")
    return names


def compile_serializer(serializer: serializers.Serializer) -> CompiledSerializer:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return CompiledSerializer(
        (field.field_name, field_reader(field, model))
        for field in serializer.fields.values()
        if not field.write_only
    )


# Readers: instance → the field's representation ---------------------------------------------


def field_reader(field: fields.Field, model: type[Model] | None) -> Reader:
    name, field_class = field.field_name, type(field)
    if field_class.to_representation is fields.SerializerMethodField.to_representation:
        return method_reader(field.method_name)
    if is_foreign_key_reference(field, model):
        return foreign_key_reader(name, model._meta.get_field(field.source).attname)
    convert = value_converter(field)
    if convert is None:
        return drf_reader(name)
    if reads_plain_attribute(field) and len(field.source_attrs) == 1:
        attr = field.source_attrs[0]
        return single_attribute_reader(name, attr, convert, unchanged_type(field))
    getter = value_getter(field)
    return drf_reader(name) if getter is None else converted_reader(getter, convert)


def single_attribute_reader(
    name: str, attr: str, convert: Converter, unchanged: type | None
) -> Reader:
    """The common case in one call: a column or relation of the instance, converted (or
    given as it is when it has the type the field renders unchanged)."""

    def read(instance: Any, scope: RenderScope) -> Any:
        try:
            value = getattr(instance, attr)
        except ObjectDoesNotExist:
            return None
        except AttributeError:
            return drf_reader(name)(instance, scope)
        if value is None or type(value) is unchanged:
            return value
        if isinstance(value, CALLABLE_TYPES):
            return drf_reader(name)(instance, scope)
        return convert(value, scope)

    return read


def converted_reader(getter: Reader, convert: Converter) -> Reader:
    def read(instance: Any, scope: RenderScope) -> Any:
        value = getter(instance, scope)
        return None if value is None else convert(value, scope)

    return read


def drf_reader(name: str) -> Reader:
    """DRF's own rendering of one field (Serializer.to_representation's loop body)."""

    def read(instance: Any, scope: RenderScope) -> Any:
        field = scope.field(name)
        attribute = field.get_attribute(instance)
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else field.to_representation(attribute)

    read.renders_with_drf = True  # type: ignore[attr-defined]
    return read


def method_reader(method_name: str) -> Reader:
    # Bound to the live serializer: the method may read its context.
    def read(instance: Any, scope: RenderScope) -> Any:
        return getattr(scope.serializer, method_name)(instance)

    return read


def is_foreign_key_reference(field: fields.Field, model: type[Model] | None) -> bool:
    """A PrimaryKeyRelatedField on the model's own foreign key: DRF reads the key column."""
    if model is None or type(field).to_representation is not (
        relations.PrimaryKeyRelatedField.to_representation
    ):
        return False
    if field.pk_field is not None or "." in field.source or field.source == "*":
        return False
    if type(field).get_attribute is not relations.RelatedField.get_attribute:
        return False
    model_field = next((f for f in model._meta.concrete_fields if f.name == field.source), None)
    return model_field is not None and model_field.is_relation


def foreign_key_reader(name: str, attname: str) -> Reader:
    def read(instance: Any, scope: RenderScope) -> Any:
        try:
            return getattr(instance, attname)
        except AttributeError:
            return drf_reader(name)(instance, scope)

    return read


# Getters: instance → the raw value (None stays None) ---------------------------------------


class UnusualSourceError(Exception):
    """The source needs DRF's own reading: a callable, a mapping, a missing attribute."""


def read_source(instance: Any, attrs: tuple[str, ...]) -> Any:
    """DRF's `get_attribute` for plain attributes; anything else raises UnusualSourceError."""
    try:
        for attr in attrs:
            instance = getattr(instance, attr)
            if isinstance(instance, CALLABLE_TYPES):
                raise UnusualSourceError
    except ObjectDoesNotExist:
        return None
    except AttributeError:
        raise UnusualSourceError from None
    return instance


def reads_plain_attribute(field: fields.Field) -> bool:
    """DRF reads the field's value with `get_attribute(instance, source_attrs)`."""
    get_attribute = type(field).get_attribute
    return get_attribute is fields.Field.get_attribute or (
        get_attribute is relations.RelatedField.get_attribute
        and not field.use_pk_only_optimization()
    )


def value_getter(field: fields.Field) -> Reader | None:
    if reads_plain_attribute(field):
        return attribute_getter(field.field_name, tuple(field.source_attrs))
    if type(field).get_attribute is relations.ManyRelatedField.get_attribute:
        return many_related_getter(field.field_name, tuple(field.source_attrs))
    return None


def attribute_getter(name: str, attrs: tuple[str, ...]) -> Reader:
    def get(instance: Any, scope: RenderScope) -> Any:
        try:
            return read_source(instance, attrs)
        except UnusualSourceError:
            return scope.field(name).get_attribute(instance)

    return get


def many_related_getter(name: str, attrs: tuple[str, ...]) -> Reader:
    def get(instance: Any, scope: RenderScope) -> Any:
        if getattr(instance, "pk", True) is None:
            return []  # DRF: no relationships before the row is saved.
        try:
            related = read_source(instance, attrs)
        except UnusualSourceError:
            return scope.field(name).get_attribute(instance)
        return related.all() if hasattr(related, "all") else related

    return get


# Converters: raw value (never None) → representation ---------------------------------------


def value_converter(field: fields.Field) -> Converter | None:
    method = type(field).to_representation
    for field_class, make in CONVERTER_MAKERS:
        if method is field_class.to_representation:
            return make(field)
    return None


def unchanged_type(field: fields.Field) -> type | None:
    """The type whose values the field renders as they are: str for text and for choices
    keyed by text, int for integers, bool for booleans."""
    method = type(field).to_representation
    if method is fields.ChoiceField.to_representation:
        keys = field.choice_strings_to_values.values()
        return str if all(type(key) is str for key in keys) else None
    if method is fields.BigIntegerField.to_representation:
        coerce = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return None if coerce else int
    unchanged = {
        fields.CharField.to_representation: str,
        fields.IntegerField.to_representation: int,
        fields.BooleanField.to_representation: bool,
    }
    return unchanged.get(method)


def text_converter(field: fields.Field) -> Converter:
    return lambda value, scope: value if type(value) is str else str(value)


def integer_converter(field: fields.Field) -> Converter:
    return lambda value, scope: value if type(value) is int else int(value)


def big_integer_converter(field: fields.BigIntegerField) -> Converter:
    if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
        return lambda value, scope: str(value)
    return integer_converter(field)


def boolean_converter(field: fields.Field) -> Converter:
    def convert(value: Any, scope: RenderScope) -> Any:
        return value if value is True or value is False else field.to_representation(value)

    return convert


def passthrough_converter(field: fields.Field) -> Converter:
    return lambda value, scope: value


def json_converter(field: fields.JSONField) -> Converter | None:
    return None if field.binary else passthrough_converter(field)


def choice_converter(field: fields.ChoiceField) -> Converter:
    values = field.choice_strings_to_values

    def convert(value: Any, scope: RenderScope) -> Any:
        if type(value) is str:
            return values.get(value, value)
        return field.to_representation(value)

    return convert


def datetime_converter(field: fields.DateTimeField) -> Converter | None:
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != fields.ISO_8601:
        return None
    own_zone = getattr(field, "timezone", None)
    has_own_zone = hasattr(field, "timezone")

    def convert(value: Any, scope: RenderScope) -> Any:
        zone = own_zone if has_own_zone else scope.timezone
        if type(value) is not datetime.datetime or zone is None:
            return field.to_representation(value)
        if value.tzinfo is zone:  # astimezone would return it unchanged.
            text = value.isoformat()
        elif value.utcoffset() is None:
            return field.to_representation(value)
        else:
            try:
                text = value.astimezone(zone).isoformat()
            except OverflowError:
                return field.to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def date_converter(field: fields.DateField) -> Converter | None:
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if output_format is None or output_format.lower() != fields.ISO_8601:
        return None

    def convert(value: Any, scope: RenderScope) -> Any:
        if type(value) is datetime.date:
            return value.isoformat()
        return field.to_representation(value)

    return convert


def decimal_converter(field: fields.DecimalField) -> Converter | None:
    coerce_to_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce_to_string or field.localize or field.decimal_places is None:
        return None
    # DRF builds these on every call, from the current decimal context.
    exponent = decimal.Decimal(".1") ** field.decimal_places
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    rounding, normalize = field.rounding, field.normalize_output

    def convert(value: Any, scope: RenderScope) -> Any:
        if type(value) is not decimal.Decimal:
            return field.to_representation(value)
        quantized = value.quantize(exponent, rounding=rounding, context=context)
        return f"{quantized.normalize() if normalize else quantized:f}"

    return convert


def slug_converter(field: relations.SlugRelatedField) -> Converter:
    read_slug = attrgetter(field.slug_field.replace("__", "."))
    return lambda value, scope: read_slug(value)


def primary_key_converter(field: relations.PrimaryKeyRelatedField) -> Converter | None:
    if field.pk_field is not None:
        return None
    return lambda value, scope: value.pk


def list_converter(field: fields.ListField) -> Converter | None:
    child = value_converter(field.child)
    if child is None:
        return None
    return lambda value, scope: [child(item, scope) if item is not None else None for item in value]


def dict_converter(field: fields.DictField) -> Converter | None:
    child = value_converter(field.child)
    if child is None:
        return None
    return lambda value, scope: {
        str(key): child(item, scope) if item is not None else None for key, item in value.items()
    }


def many_related_converter(field: relations.ManyRelatedField) -> Converter | None:
    child = value_converter(field.child_relation)
    if child is None:
        return None
    return lambda value, scope: [child(item, scope) for item in value]


def nested_converter(field: serializers.Serializer) -> Converter:
    compiled = compile_serializer(field)
    name = field.field_name
    return lambda value, scope: compiled.represent(value, scope.nested(name))


def nested_list_converter(field: serializers.ListSerializer) -> Converter | None:
    if type(field.child).to_representation is not serializers.Serializer.to_representation:
        return None
    compiled = compile_serializer(field.child)
    name = field.field_name

    def convert(value: Any, scope: RenderScope) -> list[dict[str, Any]]:
        nested = scope.nested(name)
        items = value.all() if isinstance(value, BaseManager) else value
        return [compiled.represent(item, nested) for item in items]

    return convert


# The field classes whose to_representation has a compiled twin (subclasses that do not
# override it, such as EmailField or SlugField, match through the method they inherit).
CONVERTER_MAKERS: tuple[tuple[type, Callable[[Any], Converter | None]], ...] = (
    (fields.CharField, text_converter),
    (fields.IntegerField, integer_converter),
    (fields.BigIntegerField, big_integer_converter),
    (fields.BooleanField, boolean_converter),
    (fields.ReadOnlyField, passthrough_converter),
    (fields.JSONField, json_converter),
    (fields.ChoiceField, choice_converter),
    (fields.DateTimeField, datetime_converter),
    (fields.DateField, date_converter),
    (fields.DecimalField, decimal_converter),
    (fields.ListField, list_converter),
    (fields.DictField, dict_converter),
    (relations.SlugRelatedField, slug_converter),
    (relations.PrimaryKeyRelatedField, primary_key_converter),
    (relations.ManyRelatedField, many_related_converter),
    (serializers.Serializer, nested_converter),
    (CompiledListSerializer, nested_list_converter),
    (serializers.ListSerializer, nested_list_converter),
)
