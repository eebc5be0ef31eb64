"""The managed local Kafka broker (KRaft): assembled from Maven Central, started with ``java``."""

from semgraph.kafka_server.distribution import KafkaDistribution, ensure_kafka_distribution
from semgraph.kafka_server.server import KafkaStatus, ManagedKafka

__all__ = ["KafkaDistribution", "KafkaStatus", "ManagedKafka", "ensure_kafka_distribution"]
