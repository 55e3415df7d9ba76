// Prints, as a binary FileDescriptorSet on stdout, the proto files that the message types named on the command
// line need (their files and every file those import), in dependency order, from the types linked into istiod:
// the xDS resources and every filter and extension type istiod may put into an Any. meshctl's xDS client decodes
// istiod's answers with them. Run by scripts/gen-xds-descriptors.mjs, which pins the Istio module's version.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	_ "github.com/cncf/xds/go/udpa/type/v1"
	_ "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/request_id/uuid/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/retry/host/previous_hosts/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	_ "istio.io/api/envoy/extensions/stats"
	_ "istio.io/istio/pkg/config/xds"
)

func main() {
	var prefixes, names []string
	for _, a := range os.Args[1:] {
		if strings.HasSuffix(a, ".*") {
			prefixes = append(prefixes, strings.TrimSuffix(a, "*"))
		} else {
			names = append(names, a)
		}
	}
	var roots []protoreflect.FileDescriptor
	for _, n := range names {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(n))
		if err != nil {
			fmt.Fprintf(os.Stderr, "xds-descriptors: %s: %v\n", n, err)
			os.Exit(1)
		}
		roots = append(roots, d.ParentFile())
	}
	// every message of a package under a prefix ("envoy.extensions.filters.http.*")
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(string(f.Package())+".", p) {
				roots = append(roots, f)
				break
			}
		}
		return true
	})
	sort.Slice(roots, func(i, j int) bool { return roots[i].Path() < roots[j].Path() })
	seen := map[string]bool{}
	set := &descriptorpb.FileDescriptorSet{}
	var visit func(f protoreflect.FileDescriptor)
	visit = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		imports := f.Imports()
		for i := 0; i < imports.Len(); i++ {
			visit(imports.Get(i).FileDescriptor)
		}
		fd := protodesc.ToFileDescriptorProto(f)
		fd.SourceCodeInfo = nil
		set.File = append(set.File, fd)
	}
	for _, f := range roots {
		visit(f)
	}
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xds-descriptors:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
