// Name decoding for libvirt scopes, QEMU arguments and threads, and Kubernetes pod slices.
#include <gtest/gtest.h>

#include "dwae/discovery/discovery.h"

namespace dwae::discovery {
namespace {

TEST(Names, LibvirtScopes) {
  EXPECT_EQ(libvirt_domain_from_scope("machine-qemu\\x2d3\\x2dweb\\x2d1.scope"), "web-1");
  EXPECT_EQ(libvirt_domain_from_scope("web.libvirt-qemu"), "web");
  EXPECT_EQ(libvirt_domain_from_scope("machine-qemu\\x2dx\\x2dweb.scope"), "");
  EXPECT_EQ(libvirt_domain_from_scope("nginx.service"), "");
  EXPECT_EQ(libvirt_domain_from_scope(".libvirt-qemu"), "");
}

TEST(Names, SystemdUnescape) {
  EXPECT_EQ(systemd_unescape("a\\x2db\\x2d"), "a-b-");
  EXPECT_EQ(systemd_unescape("bad\\xzz"), "bad\\xzz");
  EXPECT_EQ(systemd_unescape("end\\x2"), "end\\x2");
}

TEST(Names, QemuName) {
  EXPECT_EQ(qemu_vm_name({"qemu", "-name", "guest=db,debug-threads=on"}), "db");
  EXPECT_EQ(qemu_vm_name({"qemu", "-name", "plain"}), "plain");
  EXPECT_EQ(qemu_vm_name({"qemu", "-m", "64"}), "");
  EXPECT_EQ(qemu_vm_name({"qemu", "-name"}), "");
}

TEST(Names, VcpuThreads) {
  EXPECT_EQ(vcpu_index_from_thread_name("CPU 0/KVM"), 0u);
  EXPECT_EQ(vcpu_index_from_thread_name("CPU 12/TCG"), 12u);
  EXPECT_FALSE(vcpu_index_from_thread_name("CPU x/KVM").has_value());
  EXPECT_FALSE(vcpu_index_from_thread_name("CPU 1/XYZ").has_value());
  EXPECT_FALSE(vcpu_index_from_thread_name("qemu-system-x86").has_value());
}

TEST(Names, KubernetesPods) {
  EXPECT_EQ(k8s_pod_uid("pod1234-ab"), "1234-ab");
  EXPECT_EQ(k8s_pod_uid("kubepods-burstable-pod12_34.slice"), "12-34");
  EXPECT_EQ(k8s_pod_uid("kubepods-pod55.slice"), "55");
  EXPECT_EQ(k8s_pod_uid("kubepods-burstable.slice"), "");
  EXPECT_EQ(k8s_pod_uid("pod"), "");
}

}  // namespace
}  // namespace dwae::discovery
