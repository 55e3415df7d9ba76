// Prints, as JSON on stdout, the shape istioctl decodes an IstioOperator into, from the Istio module's own types:
// the Go structs of its spec (operator/pkg/apis: IstioOperatorSpec and everything under it, the Kubernetes types of
// `k8s` included), decoded strictly by encoding/json, and the Values proto of `spec.values`, decoded by protojson
// (a field by its JSON or its proto name). Run by scripts/gen-istio-operator-schema.mjs, which pins the module.
//
// The output is a table of shapes: {"root": REF, "types": {NAME: SHAPE}}, where a REF is "string", "bool", "int"
// (a JSON integer), "integer" (a proto integer: a JSON integer or a numeric string), "number", "any" (anything: a
// custom decoder, raw JSON, an interface, an enum) or a type NAME, and a SHAPE is
// {"object": {FIELD: REF}}, {"list": REF} or {"map": REF}.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"istio.io/istio/operator/pkg/apis"
)

var types = map[string]any{}

var unmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// goRef is the shape encoding/json decodes a Go type from.
func goRef(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) || t.Implements(unmarshaler) {
		return "any" // its own decoder (Quantity, IntOrString, Time, BoolValue, …): not judged here
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Interface:
		return "any"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "any" // []byte: base64 text, or json.RawMessage
		}
		return named(t, func() any { return map[string]string{"list": goRef(t.Elem())} })
	case reflect.Map:
		return named(t, func() any { return map[string]string{"map": goRef(t.Elem())} })
	case reflect.Struct:
		return named(t, func() any {
			fields := map[string]string{}
			goFields(t, fields)
			return map[string]any{"object": fields}
		})
	}
	return "any"
}

// goFields adds a struct's JSON fields (embedded inline structs' too) to fields.
func goFields(t reflect.Type, fields map[string]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name := strings.Split(tag, ",")[0]
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				goFields(ft, fields)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = goRef(f.Type)
	}
}

// named gives a type a name in the table (its package path and name, or its shape for unnamed ones) and fills it in.
func named(t reflect.Type, shape func() any) string {
	name := t.String()
	if t.PkgPath() != "" {
		name = t.PkgPath() + "." + t.Name()
	}
	if _, ok := types[name]; !ok {
		types[name] = nil // a recursive type refers to itself
		types[name] = shape()
	}
	return name
}

// protoRef is the shape protojson decodes a proto field from.
func protoRef(fd protoreflect.FieldDescriptor) string {
	if fd.IsMap() {
		return protoNamed("map<"+string(fd.MapValue().FullName())+protoScalar(fd.MapValue())+">", func() any { return map[string]string{"map": protoElem(fd.MapValue())} })
	}
	if fd.IsList() {
		return protoNamed("list<"+string(fd.FullName())+">", func() any { return map[string]string{"list": protoElem(fd)} })
	}
	return protoElem(fd)
}

func protoScalar(fd protoreflect.FieldDescriptor) string {
	if fd.Message() != nil {
		return ""
	}
	return ":" + fd.Kind().String()
}

func protoElem(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "string"
	case protoreflect.BoolKind:
		return "bool"
	case protoreflect.EnumKind:
		return "any" // a name or a number
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return "number"
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return protoMessage(fd.Message())
	}
	return "integer" // the integer kinds: protojson takes them as numbers or numeric strings
}

// protoMessage is a message's shape; the well-known types protojson writes as plain JSON are what they hold.
func protoMessage(md protoreflect.MessageDescriptor) string {
	switch md.FullName() {
	case "google.protobuf.BoolValue":
		return "bool"
	case "google.protobuf.StringValue", "google.protobuf.BytesValue", "google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.FieldMask":
		return "string"
	case "google.protobuf.Int32Value", "google.protobuf.UInt32Value", "google.protobuf.Int64Value", "google.protobuf.UInt64Value":
		return "integer"
	case "google.protobuf.DoubleValue", "google.protobuf.FloatValue":
		return "number"
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any":
		return "any"
	}
	return protoNamed(string(md.FullName()), func() any {
		fields := map[string]string{}
		for i := 0; i < md.Fields().Len(); i++ {
			fd := md.Fields().Get(i)
			ref := protoRef(fd)
			fields[fd.JSONName()] = ref
			fields[string(fd.Name())] = ref
		}
		return map[string]any{"object": fields}
	})
}

func protoNamed(name string, shape func() any) string {
	if _, ok := types[name]; !ok {
		types[name] = nil
		types[name] = shape()
	}
	return name
}

func main() {
	root := goRef(reflect.TypeOf(apis.IstioOperatorSpec{}))
	// spec.values is raw JSON in the Go struct, decoded into the Values proto by istioctl's validation
	values, err := protoregistry.GlobalTypes.FindMessageByName("istio.operator.v1alpha1.Values")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	spec := types[root].(map[string]any)["object"].(map[string]string)
	spec["values"] = protoMessage(values.Descriptor())
	out, _ := json.MarshalIndent(map[string]any{"root": root, "types": types}, "", " ")
	os.Stdout.Write(out)
}
