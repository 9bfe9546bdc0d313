"""SQLAlchemy 2 models: one class per table, the schema alembic migrations must match.

JSON documents are stored as text (``JSONText``) so that every supported database keeps them
the same way and the API decides how they are shown. Every column a list endpoint filters on has
an index.
"""

import datetime

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    types,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ironic_lite.common.timestamps import utcnow

# Timestamps keep microseconds everywhere (MySQL's DATETIME would drop them), so that an
# entity reads back exactly as written and keyset pages on created_at never tie needlessly.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


class JSONText(types.TypeDecorator):
    """A JSON document (dict or list) kept as text; NULL reads back as the empty document."""

    impl = Text
    cache_ok = True

    def __init__(self, empty: type = dict, long: bool = False):
        super().__init__()
        self.empty = empty
        self.long = long

    def load_dialect_impl(self, dialect):
        if self.long and dialect.name == "mysql":
            return dialect.type_descriptor(mysql.LONGTEXT())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return self.empty()
        return orjson.loads(value)


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp, onupdate=utcnow)


class Chassis(TimestampMixin, Base):
    __tablename__ = "chassis"
    __table_args__ = (UniqueConstraint("uuid", name="uniq_chassis0uuid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    description: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)


class Conductor(TimestampMixin, Base):
    """A conductor process; ``updated_at`` is its heart-beat."""

    __tablename__ = "conductors"
    __table_args__ = (
        UniqueConstraint("hostname", name="uniq_conductors0hostname"),
        Index("conductors_online_idx", "online"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    drivers: Mapped[list] = mapped_column(JSONText(list), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    conductor_group: Mapped[str] = mapped_column(String(255), default="", server_default="")


class ConductorHardwareInterface(TimestampMixin, Base):
    __tablename__ = "conductor_hardware_interfaces"
    __table_args__ = (
        UniqueConstraint(
            "conductor_id",
            "hardware_type",
            "interface_type",
            "interface_name",
            name="uniq_conductorhardwareinterfaces0",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conductor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conductors.id", ondelete="CASCADE")
    )
    hardware_type: Mapped[str] = mapped_column(String(255))
    interface_type: Mapped[str] = mapped_column(String(16))
    interface_name: Mapped[str] = mapped_column(String(255))
    default: Mapped[bool] = mapped_column(Boolean, default=False)


class Allocation(TimestampMixin, Base):
    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_allocations0uuid"),
        UniqueConstraint("name", name="uniq_allocations0name"),
        Index("allocations_state_idx", "state"),
        Index("allocations_node_id_idx", "node_id"),
        Index("allocations_resource_class_idx", "resource_class"),
        Index("allocations_owner_idx", "owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    node_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(15))
    owner: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    resource_class: Mapped[str | None] = mapped_column(String(80))
    traits: Mapped[list] = mapped_column(JSONText(list), nullable=True)
    candidate_nodes: Mapped[list] = mapped_column(JSONText(list), nullable=True)
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    conductor_affinity: Mapped[int | None] = mapped_column(Integer)


class Node(TimestampMixin, Base):
    __tablename__ = "nodes"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_nodes0uuid"),
        UniqueConstraint("name", name="uniq_nodes0name"),
        UniqueConstraint("instance_uuid", name="uniq_nodes0instance_uuid"),
        Index("nodes_owner_idx", "owner"),
        Index("nodes_lessee_idx", "lessee"),
        Index("nodes_driver_idx", "driver"),
        Index("nodes_provision_state_idx", "provision_state"),
        Index("nodes_power_state_idx", "power_state"),
        Index("nodes_reservation_idx", "reservation"),
        Index("nodes_conductor_group_idx", "conductor_group"),
        Index("nodes_resource_class_idx", "resource_class"),
        Index("nodes_shard_idx", "shard"),
        Index("nodes_parent_node_idx", "parent_node"),
        Index("nodes_chassis_id_idx", "chassis_id"),
        Index("nodes_maintenance_idx", "maintenance"),
        Index("nodes_fault_idx", "fault"),
        Index("nodes_retired_idx", "retired"),
        Index("nodes_instance_name_idx", "instance_name"),
        Index("nodes_allocation_id_idx", "allocation_id"),
        Index("nodes_created_at_idx", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    chassis_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("chassis.id"))
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    instance_name: Mapped[str | None] = mapped_column(String(255))
    driver: Mapped[str] = mapped_column(String(255))
    driver_info: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    driver_internal_info: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    instance_info: Mapped[dict] = mapped_column(JSONText(long=True), nullable=True)
    properties: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    raid_config: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    target_raid_config: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    clean_step: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    deploy_step: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    service_step: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    network_data: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    power_state: Mapped[str | None] = mapped_column(String(15))
    target_power_state: Mapped[str | None] = mapped_column(String(15))
    provision_state: Mapped[str | None] = mapped_column(String(15))
    target_provision_state: Mapped[str | None] = mapped_column(String(15))
    provision_updated_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    maintenance_reason: Mapped[str | None] = mapped_column(Text)
    fault: Mapped[str | None] = mapped_column(String(255))
    console_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reservation: Mapped[str | None] = mapped_column(String(255))
    # Bumped with every lock acquisition: a worker holding an older epoch lost the lock.
    reservation_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    conductor_affinity: Mapped[int | None] = mapped_column(Integer)
    conductor_group: Mapped[str] = mapped_column(String(255), default="", server_default="")
    inspection_started_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    inspection_finished_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    resource_class: Mapped[str | None] = mapped_column(String(80))
    bios_interface: Mapped[str | None] = mapped_column(String(255))
    boot_interface: Mapped[str | None] = mapped_column(String(255))
    console_interface: Mapped[str | None] = mapped_column(String(255))
    deploy_interface: Mapped[str | None] = mapped_column(String(255))
    firmware_interface: Mapped[str | None] = mapped_column(String(255))
    inspect_interface: Mapped[str | None] = mapped_column(String(255))
    management_interface: Mapped[str | None] = mapped_column(String(255))
    network_interface: Mapped[str | None] = mapped_column(String(255))
    power_interface: Mapped[str | None] = mapped_column(String(255))
    raid_interface: Mapped[str | None] = mapped_column(String(255))
    rescue_interface: Mapped[str | None] = mapped_column(String(255))
    storage_interface: Mapped[str | None] = mapped_column(String(255))
    vendor_interface: Mapped[str | None] = mapped_column(String(255))
    automated_clean: Mapped[bool | None] = mapped_column(Boolean)
    protected: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    protected_reason: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    lessee: Mapped[str | None] = mapped_column(String(255))
    allocation_id: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    retired_reason: Mapped[str | None] = mapped_column(Text)
    boot_mode: Mapped[str | None] = mapped_column(String(16))
    secure_boot: Mapped[bool | None] = mapped_column(Boolean)
    shard: Mapped[str | None] = mapped_column(String(255))
    parent_node: Mapped[str | None] = mapped_column(String(36))
    disable_power_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    health: Mapped[str | None] = mapped_column(String(32))
    # Bumped by every update; lets a read-modify-write (an API PATCH) detect a lost update.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class NodeTrait(TimestampMixin, Base):
    __tablename__ = "node_traits"
    __table_args__ = (Index("node_traits_trait_idx", "trait"),)

    node_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    trait: Mapped[str] = mapped_column(String(255), primary_key=True)


class NodeTag(TimestampMixin, Base):
    __tablename__ = "node_tags"
    __table_args__ = (Index("node_tags_tag_idx", "tag"),)

    node_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(255), primary_key=True)


class Portgroup(TimestampMixin, Base):
    __tablename__ = "portgroups"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_portgroups0uuid"),
        UniqueConstraint("address", name="uniq_portgroups0address"),
        UniqueConstraint("name", name="uniq_portgroups0name"),
        Index("portgroups_node_id_idx", "node_id"),
        Index("portgroups_created_at_idx", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    node_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(String(18))
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    internal_info: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    standalone_ports_supported: Mapped[bool] = mapped_column(Boolean, default=True)
    mode: Mapped[str | None] = mapped_column(String(255))
    properties: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    physical_network: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(80))
    dynamic_portgroup: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Port(TimestampMixin, Base):
    __tablename__ = "ports"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_ports0uuid"),
        UniqueConstraint("address", name="uniq_ports0address"),
        UniqueConstraint("name", name="uniq_ports0name"),
        Index("ports_node_id_idx", "node_id"),
        Index("ports_portgroup_id_idx", "portgroup_id"),
        Index("ports_physical_network_idx", "physical_network"),
        Index("ports_created_at_idx", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(18))
    name: Mapped[str | None] = mapped_column(String(255))
    node_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    portgroup_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("portgroups.id", ondelete="SET NULL")
    )
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    local_link_connection: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    internal_info: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    pxe_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    physical_network: Mapped[str | None] = mapped_column(String(64))
    is_smartnic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    description: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(80))
    available_for_dynamic_portgroup: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default="1"
    )


class VolumeConnector(TimestampMixin, Base):
    __tablename__ = "volume_connectors"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_volumeconnectors0uuid"),
        UniqueConstraint("type", "connector_id", name="uniq_volumeconnectors0type0connector_id"),
        Index("volume_connectors_node_id_idx", "node_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    node_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    connector_id: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)


class VolumeTarget(TimestampMixin, Base):
    __tablename__ = "volume_targets"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_volumetargets0uuid"),
        UniqueConstraint("node_id", "boot_index", name="uniq_volumetargets0node_id0boot_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    node_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    volume_type: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    boot_index: Mapped[int] = mapped_column(Integer)
    volume_id: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)


class NodeHistory(TimestampMixin, Base):
    __tablename__ = "node_history"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_history0uuid"),
        Index("history_node_id_idx", "node_id"),
        Index("history_conductor_idx", "conductor"),
        Index("history_created_at_idx", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    conductor: Mapped[str | None] = mapped_column(String(255))
    event_type: Mapped[str | None] = mapped_column(String(255))
    severity: Mapped[str | None] = mapped_column(String(255))
    event: Mapped[str | None] = mapped_column(Text)
    user: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str | None] = mapped_column(String(255))
    target_provision_state: Mapped[str | None] = mapped_column(String(255))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)


class BIOSSetting(TimestampMixin, Base):
    __tablename__ = "bios_settings"

    node_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    attribute_type: Mapped[str | None] = mapped_column(String(255))
    allowable_values: Mapped[list | None] = mapped_column(JSONText(list), nullable=True)
    lower_bound: Mapped[int | None] = mapped_column(BigInteger)
    max_length: Mapped[int | None] = mapped_column(Integer)
    min_length: Mapped[int | None] = mapped_column(Integer)
    read_only: Mapped[bool | None] = mapped_column(Boolean)
    reset_required: Mapped[bool | None] = mapped_column(Boolean)
    unique: Mapped[bool | None] = mapped_column(Boolean)
    upper_bound: Mapped[int | None] = mapped_column(BigInteger)


class FirmwareComponent(TimestampMixin, Base):
    __tablename__ = "firmware_information"
    __table_args__ = (
        UniqueConstraint("node_id", "component", name="uniq_firmware0node_id0component"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    component: Mapped[str] = mapped_column(String(255))
    initial_version: Mapped[str] = mapped_column(String(255))
    current_version: Mapped[str | None] = mapped_column(String(255))
    last_version_flashed: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    serial_number: Mapped[str | None] = mapped_column(String(255))


class NodeInventory(TimestampMixin, Base):
    __tablename__ = "node_inventory"
    __table_args__ = (UniqueConstraint("node_id", name="uniq_node_inventory0node_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(Integer, ForeignKey("nodes.id", ondelete="CASCADE"))
    inventory_data: Mapped[dict] = mapped_column(JSONText(long=True), nullable=True)
    plugin_data: Mapped[dict] = mapped_column(JSONText(long=True), nullable=True)


class DeployTemplate(TimestampMixin, Base):
    __tablename__ = "deploy_templates"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_deploytemplates0uuid"),
        UniqueConstraint("name", name="uniq_deploytemplates0name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)


class DeployTemplateStep(TimestampMixin, Base):
    __tablename__ = "deploy_template_steps"
    __table_args__ = (Index("deploy_template_steps_template_idx", "deploy_template_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deploy_template_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("deploy_templates.id", ondelete="CASCADE")
    )
    interface: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(255))
    args: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    priority: Mapped[int] = mapped_column(Integer)


class Runbook(TimestampMixin, Base):
    __tablename__ = "runbooks"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_runbooks0uuid"),
        UniqueConstraint("name", name="uniq_runbooks0name"),
        Index("runbooks_owner_idx", "owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str | None] = mapped_column(String(255))
    disable_ramdisk: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict] = mapped_column(JSONText(), nullable=True)


class RunbookStep(TimestampMixin, Base):
    __tablename__ = "runbook_steps"
    __table_args__ = (Index("runbook_steps_runbook_idx", "runbook_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runbook_id: Mapped[int] = mapped_column(Integer, ForeignKey("runbooks.id", ondelete="CASCADE"))
    interface: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(255))
    args: Mapped[dict] = mapped_column(JSONText(), nullable=True)
    order: Mapped[int] = mapped_column(Integer)


class RunbookTrait(TimestampMixin, Base):
    __tablename__ = "runbook_traits"
    __table_args__ = (Index("runbook_traits_trait_idx", "trait"),)

    runbook_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("runbooks.id", ondelete="CASCADE"), primary_key=True
    )
    trait: Mapped[str] = mapped_column(String(255), primary_key=True)


class InspectionRule(TimestampMixin, Base):
    __tablename__ = "inspection_rules"
    __table_args__ = (
        UniqueConstraint("uuid", name="uniq_inspection_rules0uuid"),
        Index("inspection_rules_phase_idx", "phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    description: Mapped[str | None] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(16), default="main")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[list] = mapped_column(JSONText(list, long=True), nullable=True)
    actions: Mapped[list] = mapped_column(JSONText(list, long=True), nullable=True)
